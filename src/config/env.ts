/**
 * Reading one setting from the environment: an unset or empty variable is its default, and a
 * bad value is a ConfigError naming the variable and what it accepts.
 */
import { ConfigError } from './error.js';

export type Env = Record<string, string | undefined>;

/** An integer setting: unset or empty is `fallback`; anything else must be an integer that `fits`. */
function integer(env: Env, name: string, fallback: number, fits: (value: number) => boolean, accepted: string): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || !fits(value)) throw new ConfigError(`${name} must be ${accepted}, got "${raw}".`);
  return value;
}

export function nonNegativeInt(env: Env, name: string, fallback: number, max = Number.MAX_SAFE_INTEGER): number {
  return rangedInt(env, name, fallback, 0, max);
}

export function rangedInt(env: Env, name: string, fallback: number, min: number, max: number): number {
  return integer(env, name, fallback, (value) => value >= min && value <= max, `an integer from ${min} to ${max}`);
}

export function positiveInt(env: Env, name: string, fallback: number): number {
  return integer(env, name, fallback, (value) => value > 0, 'a positive integer');
}

export function secret(env: Env, name: string): string | undefined {
  const value = env[name] || undefined;
  if (value !== undefined && value.length < 32) throw new ConfigError(`${name} must be at least 32 characters long.`);
  return value;
}

export function flag(env: Env, name: string): boolean | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  if (raw === '1' || raw === 'true') return true;
  if (raw === '0' || raw === 'false') return false;
  throw new ConfigError(`${name} must be 1 or 0; got "${raw}".`);
}
