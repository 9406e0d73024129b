/**
 * How the image process is scheduled against the API's threads. `idle` starts it under the
 * kernel's SCHED_IDLE policy (`chrt --idle 0` at exec, so every thread libvips and Node start
 * inherits it): a normal thread that wakes (a read's answer arriving) preempts it at once,
 * where under nice 19 it may wait out the wakeup granularity, and its weight is 3 against nice
 * 19's 15. Where chrt is missing or the policy is refused (a sandbox that filters
 * sched_setscheduler), the process runs at nice MEDIA_NICE instead. Either way a busy machine
 * delays image work, up to MEDIA_TIMEOUT_MS (then 503 MEDIA_BUSY).
 */
import { spawnSync } from 'node:child_process';

export type Scheduling = 'idle' | 'nice';

const probed = new Map<string, boolean>();

/** Whether `chrt` can start a program under SCHED_IDLE here; asked once per program path. */
export function idleAvailable(chrt: string): boolean {
  let ok = probed.get(chrt);
  if (ok === undefined) {
    // A few milliseconds, once per process: the answer depends on the binary and the sandbox, not on the moment.
    const probe = spawnSync(chrt, ['--idle', '0', process.execPath, '--version'], { stdio: 'ignore', timeout: 5_000 });
    ok = probe.error === undefined && probe.status === 0;
    probed.set(chrt, ok);
  }
  return ok;
}

/** The program and leading arguments that start `node` under the policy asked for, and the policy it will get. */
export function launcher(wanted: Scheduling, chrt: string): { command: string; prefix: string[]; scheduling: Scheduling } {
  if (wanted === 'idle' && idleAvailable(chrt)) return { command: chrt, prefix: ['--idle', '0', process.execPath], scheduling: 'idle' };
  return { command: process.execPath, prefix: [], scheduling: 'nice' };
}
