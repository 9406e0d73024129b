/** CPU accounting and profiling helpers: where the two cores went during a run. */
import { readdirSync, readFileSync } from 'node:fs';
import type { Profiler } from 'node:inspector';

/**
 * CPU seconds a process has run so far, all its threads: the sum of the first field (time on
 * a CPU, in ns) of /proc/<pid>/task/<tid>/schedstat. Nanosecond resolution, unlike the 10 ms ticks
 * of /proc/<pid>/stat; undefined off Linux or once the process is gone.
 */
export function cpuSeconds(pid: number): number | undefined {
  try {
    let ns = 0;
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      try {
        ns += Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, 'utf8').split(' ')[0]);
      } catch {
        // A thread that ended between the listing and the read.
      }
    }
    return ns / 1e9;
  } catch {
    return undefined;
  }
}

/** The engine's JVM: the child of its supervisor shell. */
export function childPids(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** The DynamoDB Local JVM among an embedded engine's supervisor's children; undefined when none runs. */
export function engineJvm(supervisor: number): number | undefined {
  return childPids(supervisor).find((child) => {
    try {
      return readFileSync(`/proc/${child}/cmdline`, 'utf8').includes('DynamoDBLocal.jar');
    } catch {
      return false;
    }
  });
}

export interface ProfileSummary {
  /** Share of busy samples per area (package, our source, node internals, GC). */
  byArea: { area: string; share: number }[];
  /** Heaviest functions by self time. */
  top: { fn: string; share: number }[];
  busyShare: number;
}

function areaOf(url: string, fn: string): string {
  if (fn === '(garbage collector)') return 'garbage collection';
  if (fn === '(program)') return 'V8/native (program)';
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const parts = url.slice(nm + 'node_modules/'.length).split('/');
    return parts[0]!.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!;
  }
  const src = url.indexOf('/src/');
  if (src >= 0) return `quick-photos ${url.slice(src + 1)}`;
  if (url.startsWith('node:') || url === '') return 'node internals';
  return url;
}

/** A V8 CPU profile file (--cpu-prof, or the inspector's Profiler.stop), summarized. */
export function summarizeProfileFile(path: string): ProfileSummary {
  return summarizeProfile(JSON.parse(readFileSync(path, 'utf8')) as Profiler.Profile);
}

function summarizeProfile(p: Profiler.Profile): ProfileSummary {
  const nodes = new Map(p.nodes.map((n) => [n.id, n]));
  const counts = new Map<number, number>();
  for (const id of p.samples ?? []) counts.set(id, (counts.get(id) ?? 0) + 1);
  let total = 0;
  let busy = 0;
  const areas = new Map<string, number>();
  const fns = new Map<string, number>();
  for (const [id, count] of counts) {
    const node = nodes.get(id);
    if (!node) continue;
    total += count;
    const { functionName, url, lineNumber } = node.callFrame;
    if (functionName === '(idle)') continue;
    busy += count;
    const area = areaOf(url, functionName);
    areas.set(area, (areas.get(area) ?? 0) + count);
    const fn = `${functionName || '(anonymous)'} ${area}${url && !url.includes('node_modules') ? `:${lineNumber + 1}` : ''}`;
    fns.set(fn, (fns.get(fn) ?? 0) + count);
  }
  const ranked = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]);
  return {
    busyShare: total ? busy / total : 0,
    byArea: ranked(areas).slice(0, 10).map(([area, n]) => ({ area, share: n / busy })),
    top: ranked(fns).slice(0, 15).map(([fn, n]) => ({ fn, share: n / busy })),
  };
}
