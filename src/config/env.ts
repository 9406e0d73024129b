/**
 * Reading one setting from the environment: an unset or empty variable is its default, and a
 * bad value is a ConfigError naming the variable and what it accepts.
 */
import { ConfigError } from './error.js';

export type Env = Record<string, string | undefined>;

export function nonNegativeInt(env: Env, name: string, fallback: number, max = Number.MAX_SAFE_INTEGER): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0 || value > max) throw new ConfigError(`${name} must be an integer from 0 to ${max}, got "${raw}".`);
  return value;
}

export function secret(env: Env, name: string): string | undefined {
  const value = env[name] || undefined;
  if (value !== undefined && value.length < 32) throw new ConfigError(`${name} must be at least 32 characters long.`);
  return value;
}

export function rangedInt(env: Env, name: string, fallback: number, min: number, max: number): number {
  const value = nonNegativeInt(env, name, fallback, max);
  if (value < min) throw new ConfigError(`${name} must be an integer from ${min} to ${max}, got "${env[name]}".`);
  return value;
}

export function positiveInt(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw new ConfigError(`${name} must be a positive integer, got "${raw}".`);
  return value;
}

export function flag(env: Env, name: string): boolean | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  if (raw === '1' || raw === 'true') return true;
  if (raw === '0' || raw === 'false') return false;
  throw new ConfigError(`${name} must be 1 or 0; got "${raw}".`);
}
