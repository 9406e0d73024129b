/** Throughput and latency summaries, computed the same way for the API and the raw runs. */

export interface RunStats {
  /** Successful requests. */
  requests: number;
  errors: number;
  /** Seconds measured. */
  seconds: number;
  rps: number;
  /** Milliseconds. */
  p50: number;
  p99: number;
  /** The first failure, so a broken run is visible instead of fast. */
  firstError?: string;
  /** Every successful request's latency, so halves of a run can be merged exactly. */
  samples: number[];
}

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

export function summarize(latencies: number[], errors: number, seconds: number, firstError?: string): RunStats {
  const sorted = Float64Array.from(latencies).sort();
  const list = Array.from(sorted);
  return {
    requests: latencies.length,
    errors,
    seconds,
    rps: latencies.length / seconds,
    p50: percentile(list, 50),
    p99: percentile(list, 99),
    ...(firstError !== undefined ? { firstError } : {}),
    samples: latencies,
  };
}

/** One run's statistics from its parts (an A-B-B-A sequence measures each side in two halves). */
export function merge(parts: RunStats[]): RunStats {
  const samples = parts.flatMap((p) => p.samples);
  const errors = parts.reduce((sum, p) => sum + p.errors, 0);
  const seconds = parts.reduce((sum, p) => sum + p.seconds, 0);
  return summarize(samples, errors, seconds, parts.find((p) => p.firstError !== undefined)?.firstError);
}

/**
 * A closed loop: `concurrency` workers, each sending its next request as soon as the previous
 * one answered, for `durationMs`. The same shape of load autocannon puts on the API.
 */
export async function closedLoop(concurrency: number, durationMs: number, next: () => Promise<unknown>): Promise<RunStats> {
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  const start = performance.now();
  const end = start + durationMs;
  const worker = async (): Promise<void> => {
    while (performance.now() < end) {
      const t = performance.now();
      try {
        await next();
        latencies.push(performance.now() - t);
      } catch (error) {
        errors++;
        firstError ??= error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return summarize(latencies, errors, (performance.now() - start) / 1000, firstError);
}

export const fmt = {
  rps: (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '-'),
  ms: (n: number) => (Number.isFinite(n) ? n.toFixed(2) : '-'),
  ratio: (n: number) => (Number.isFinite(n) ? n.toFixed(2) : '-'),
  int: (n: number) => Math.round(n).toLocaleString('en-US'),
};
