/** The mention and tag parser: pure, so every edge case is one line here. */
import { describe, expect, it } from 'vitest';
import { distinctMentions, distinctTags, foldTag, MAX_MENTIONS_PER_TEXT, MAX_TAGS_PER_TEXT, parseEntities, parseTagName, TAG_MAX_LENGTH } from '../src/schema/text-entities.js';

const mentions = (text: string) => parseEntities(text).mentions.map((m) => [text.slice(m.start, m.end), m.username]);
const tags = (text: string) => parseEntities(text).tags.map((t) => [text.slice(t.start, t.end), t.tag]);

describe('mentions', () => {
  it('finds @names with the sign-up rules and UTF-16 offsets', () => {
    expect(parseEntities('hi @ann and @bob_2.x!')).toEqual({
      mentions: [{ start: 3, end: 7, username: 'ann' }, { start: 12, end: 20, username: 'bob_2.x' }],
      tags: [],
    });
    // An emoji before the mention is two code units: the offsets count them as clients do.
    const text = '😀 @ann';
    expect(parseEntities(text).mentions).toEqual([{ start: 3, end: 7, username: 'ann' }]);
    expect(text.slice(3, 7)).toBe('@ann');
  });

  it('leaves emails, doubled signs and too-long names as text', () => {
    expect(mentions('mail bob@example.com now')).toEqual([]);
    expect(mentions('@@ann')).toEqual([]);
    expect(mentions('@.ann @-ann @')).toEqual([]);
    expect(mentions(`@${'a'.repeat(31)}`)).toEqual([]);
    expect(mentions(`@${'a'.repeat(30)}`)).toEqual([[`@${'a'.repeat(30)}`, 'a'.repeat(30)]]);
  });

  it('treats punctuation around a name as punctuation, and lower-cases letters', () => {
    expect(mentions('(@ann), "@bob". @Cleo... @dan-')).toEqual([['@ann', 'ann'], ['@bob', 'bob'], ['@Cleo', 'cleo'], ['@dan', 'dan']]);
    expect(mentions('¡@ann!')).toEqual([['@ann', 'ann']]);
  });

  it('marks every occurrence of a repeated mention, notifies once, and bounds the names', () => {
    expect(mentions('@ann @ann @ANN')).toHaveLength(3);
    expect(distinctMentions('@ann @ann @ANN @bob')).toEqual(['ann', 'bob']);
    const many = Array.from({ length: MAX_MENTIONS_PER_TEXT + 5 }, (_, i) => `@u${i}`).join(' ');
    expect(distinctMentions(many)).toHaveLength(MAX_MENTIONS_PER_TEXT);
    // A name already counted is still marked past the bound.
    expect(mentions(`${many} @u0`).at(-1)).toEqual(['@u0', 'u0']);
  });

  it('says nothing about whether the account exists', () => {
    expect(distinctMentions('@nobody_here')).toEqual(['nobody_here']);
    expect(distinctMentions(undefined)).toEqual([]);
  });
});

describe('tags', () => {
  it('finds #tags of any script, folded for the index', () => {
    expect(tags('Sunset #Beach #café #ÇaVa #東京 #москва #नमस्ते')).toEqual([
      ['#Beach', 'beach'], ['#café', 'cafe'], ['#ÇaVa', 'cava'], ['#東京', '東京'], ['#москва', 'москва'], ['#नमस्ते', foldTag('नमस्ते')],
    ]);
    expect(foldTag('ＴＡＧ')).toBe('tag');
    expect(foldTag('Cafe\u0301')).toBe(foldTag('Café'));
  });

  it('leaves URLs with #, entities, numbers and joined signs as text', () => {
    expect(tags('see https://example.com/page#section and example.com/#/route')).toEqual([]);
    expect(tags('it&#39;s')).toEqual([]);
    expect(tags('#1 #2024 issue#5 ##double')).toEqual([]);
    expect(tags('#2024summer #_x')).toEqual([['#2024summer', '2024summer'], ['#_x', '_x']]);
  });

  it('stops at punctuation and bounds length and count', () => {
    expect(tags('(#sun), #sea! #sky.')).toEqual([['#sun', 'sun'], ['#sea', 'sea'], ['#sky', 'sky']]);
    expect(tags('#sun#sea')).toEqual([['#sun', 'sun']]);
    expect(tags(`#${'a'.repeat(TAG_MAX_LENGTH)}`)).toHaveLength(1);
    expect(tags(`#${'a'.repeat(TAG_MAX_LENGTH + 1)}`)).toEqual([]);
    const many = Array.from({ length: MAX_TAGS_PER_TEXT + 5 }, (_, i) => `#t${i}`).join(' ');
    expect(distinctTags(many)).toHaveLength(MAX_TAGS_PER_TEXT);
    expect(distinctTags('#Sun #sun #SUN')).toEqual(['sun']);
  });

  it('reads a tag named in a URL or a query the same way', () => {
    expect(parseTagName('Café')).toBe('cafe');
    expect(parseTagName('#Café')).toBe('cafe');
    for (const bad of ['', '#', '12', 'a b', 'a#b', 'a'.repeat(TAG_MAX_LENGTH + 1)]) expect(parseTagName(bad)).toBeUndefined();
  });

  it('mixes with mentions', () => {
    const text = '@ann at #beach with @bob #sun';
    const { mentions: m, tags: t } = parseEntities(text);
    expect(m.map((x) => x.username)).toEqual(['ann', 'bob']);
    expect(t.map((x) => x.tag)).toEqual(['beach', 'sun']);
  });
});
