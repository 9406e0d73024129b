/** CPU accounting and profiling helpers: where the two cores went during a run. */
import { readFileSync } from 'node:fs';
import { Session, type Profiler } from 'node:inspector';

const TICKS_PER_SECOND = 100;

/** CPU seconds (user + system) a process has used so far; undefined off Linux. */
export function cpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start at ") ".
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
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

/** Cores used by each named process between `start()` and `stop()`. */
export function cpuMeter(pids: Record<string, number>) {
  const read = () => Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, cpuSeconds(pid)]));
  let before = read();
  let t = performance.now();
  return {
    start() {
      before = read();
      t = performance.now();
    },
    stop(): Record<string, number> {
      const after = read();
      const seconds = (performance.now() - t) / 1000;
      const cores: Record<string, number> = {};
      for (const name of Object.keys(pids)) {
        const a = after[name];
        const b = before[name];
        if (a !== undefined && b !== undefined) cores[name] = (a - b) / seconds;
      }
      return cores;
    },
  };
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

/** Samples this process's CPU while `during` runs (inspector profiler, 100 µs interval). */
export async function profile(during: () => Promise<void>): Promise<ProfileSummary> {
  const session = new Session();
  session.connect();
  const post = <T>(method: string, params?: object) =>
    new Promise<T>((resolve, reject) => session.post(method, params ?? {}, (error, result) => (error ? reject(error) : resolve(result as T))));
  await post('Profiler.enable');
  await post('Profiler.setSamplingInterval', { interval: 100 });
  await post('Profiler.start');
  try {
    await during();
  } catch (error) {
    await post('Profiler.stop').catch(() => undefined);
    session.disconnect();
    throw error;
  }
  const { profile: result } = await post<{ profile: Profiler.Profile }>('Profiler.stop');
  session.disconnect();
  return summarizeProfile(result);
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
    top: ranked(fns).slice(0, 10).map(([fn, n]) => ({ fn, share: n / busy })),
  };
}
