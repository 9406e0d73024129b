/**
 * Listening TCP sockets as the kernel lists them (/proc/net/tcp and tcp6 of this process's
 * network namespace), and which processes hold them: how the tests prove where the embedded
 * engine listens without sending traffic anywhere.
 */
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';

export interface Listener {
  address: string;
  port: number;
  inode: string;
}

function hexToIp(hex: string, v6: boolean): string {
  if (!v6) return [3, 2, 1, 0].map((i) => Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16)).join('.');
  // Four little-endian 32-bit words.
  const words = [0, 1, 2, 3].map((w) => hex.slice(w * 8, w * 8 + 8).match(/../g)!.reverse().join(''));
  const groups = words.join('').match(/.{4}/g)!.map((g) => Number.parseInt(g, 16).toString(16));
  const text = groups.join(':');
  if (text === '0:0:0:0:0:0:0:0') return '::';
  if (text === '0:0:0:0:0:0:0:1') return '::1';
  if (text.startsWith('0:0:0:0:0:ffff:')) return `::ffff:${hexToIp(words[3]!.match(/../g)!.reverse().join(''), false)}`;
  return text;
}

/** LISTEN sockets (state 0A) of the host network namespace. */
export function listeners(): Listener[] {
  const found: Listener[] = [];
  for (const [file, v6] of [['/proc/net/tcp', false], ['/proc/net/tcp6', true]] as const) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.trim().split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      const [local, , state] = [fields[1]!, fields[2]!, fields[3]!];
      if (state !== '0A') continue;
      const [ip, port] = local.split(':') as [string, string];
      found.push({ address: hexToIp(ip, v6), port: Number.parseInt(port, 16), inode: fields[9]! });
    }
  }
  return found;
}

/** Socket inodes a process holds open. */
export function socketInodes(pid: number): Set<string> {
  const inodes = new Set<string>();
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return inodes;
  }
  for (const fd of fds) {
    try {
      const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (match) inodes.add(match[1]!);
    } catch {
      // Closed meanwhile.
    }
  }
  return inodes;
}

/** The live children of `pid`, from each of its threads' list (none when it is gone). */
export function childrenOf(pid: number | 'self'): number[] {
  try {
    return readdirSync(`/proc/${pid}/task`).flatMap((task) => readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number));
  } catch {
    return [];
  }
}

/**
 * The fields of a /proc stat file (a process's or a thread's) after the command, which is in
 * parentheses and may hold spaces: the state is field 0, utime, stime, cutime and cstime 11-14.
 */
export const statFields = (statFile: string): string[] => readFileSync(statFile, 'utf8').split(') ')[1]!.split(' ');

/** A process and all its descendants. */
export function processTree(root: number): number[] {
  const tree = [root];
  for (let i = 0; i < tree.length; i++) tree.push(...childrenOf(tree[i]!));
  return tree;
}

/** The JVMs (java processes) among a process's descendants. */
export function javaDescendants(root: number): number[] {
  return processTree(root).filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'java';
    } catch {
      return false;
    }
  });
}

export const WILDCARD = new Set(['0.0.0.0', '::', '::ffff:0.0.0.0']);
