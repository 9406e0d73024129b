/** A setting the environment gives that the service cannot run with: start-up stops with its message. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}
