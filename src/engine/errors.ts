/** Failures of the embedded engine that the service reports in one line and exits on. */
export class EngineStartError extends Error {
  override readonly name = 'EngineStartError';
}
