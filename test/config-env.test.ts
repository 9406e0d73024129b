/** The integer settings' readers: the default when unset or empty, and one message per refusal naming what is accepted. */
import { describe, expect, it } from 'vitest';
import { nonNegativeInt, positiveInt, rangedInt } from '../src/config/env.js';

describe('integer settings', () => {
  it('take the default when unset or empty, and the value when it fits', () => {
    expect(rangedInt({}, 'N', 7, 2, 10)).toBe(7);
    expect(rangedInt({ N: '' }, 'N', 7, 2, 10)).toBe(7);
    expect(rangedInt({ N: '2' }, 'N', 7, 2, 10)).toBe(2);
    expect(rangedInt({ N: '10' }, 'N', 7, 2, 10)).toBe(10);
    expect(nonNegativeInt({ N: '0' }, 'N', 7)).toBe(0);
    expect(positiveInt({ N: '1' }, 'N', 7)).toBe(1);
  });

  it('refuse anything else, naming the variable, the accepted range and the value given', () => {
    for (const raw of ['1', '11', '-3', '2.5', 'ten', ' ']) {
      expect(() => rangedInt({ N: raw }, 'N', 7, 2, 10)).toThrow(`N must be an integer from 2 to 10, got "${raw}".`);
    }
    expect(() => nonNegativeInt({ N: '-1' }, 'N', 7, 5)).toThrow('N must be an integer from 0 to 5, got "-1".');
    expect(() => nonNegativeInt({ N: '6' }, 'N', 7, 5)).toThrow('N must be an integer from 0 to 5, got "6".');
    expect(() => positiveInt({ N: '0' }, 'N', 7)).toThrow('N must be a positive integer, got "0".');
    expect(() => positiveInt({ N: '1e400' }, 'N', 7)).toThrow('N must be a positive integer, got "1e400".');
  });
});
