// What the tests and the benchmarks read about processes and sockets from /proc (Linux): a
// process's fields, whether it still runs, what runs below it, and which process listens on a
// port. One module, so that both read /proc the same way.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/**
 * The fields of /proc/<pid>/stat after the command's name, which is in parentheses and may hold
 * spaces: [0] is the state, [1] the parent's pid, [11] and [12] the user and system CPU time in
 * clock ticks, [19] the start time in clock ticks after boot. Null where there is no such
 * process or no /proc.
 */
export function procStat(pid: number | string): string[] | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return null;
  }
}

/**
 * Whether a process is still running. A process that has exited but that nobody has reaped yet
 * (a zombie, as an orphan adopted by an init that does not reap is) counts as gone: it holds no
 * port and runs no code.
 */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  const fields = procStat(pid);
  return fields ? fields[0] !== 'Z' : true;
}

/** The ids of every process, with each one's parent. */
function parentsOf(): Map<number, number> {
  const parents = new Map<number, number>();
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return parents;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    // Null when the process ended while being read.
    const fields = procStat(entry);
    if (fields) parents.set(Number(entry), Number(fields[1]));
  }
  return parents;
}

/** The ids of the processes whose parent is `pid`. */
export function childPids(pid: number): number[] {
  return [...parentsOf()].filter(([, parent]) => parent === pid).map(([child]) => child);
}

/**
 * Every process below `pid`. Some programs start theirs in a group of their own (Lighthouse's
 * Chromium does), so a group signal alone would miss them.
 */
export function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const [child, parent] of parentsOf()) {
    children.set(parent, [...(children.get(parent) ?? []), child]);
  }
  const found: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    for (const child of children.get(queue.shift()!) ?? []) {
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}

/** The processes above `pid`, its parent first, up to the first process (pid 1) included. */
export function ancestors(pid: number): number[] {
  const parents = parentsOf();
  const found: number[] = [];
  let current = parents.get(pid);
  while (current !== undefined && current > 0 && !found.includes(current)) {
    found.push(current);
    current = parents.get(current);
  }
  return found;
}

/**
 * The processes that hold a socket listening on TCP `port`, on any address, IPv4 or IPv6: the
 * socket's inode from /proc/net/tcp{,6}, then the processes with a descriptor on it. Processes of
 * another user cannot be read and are not listed.
 */
export function listenersOn(port: number): number[] {
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      // sl local_address rem_address st ... uid timeout inode
      const fields = line.trim().split(/\s+/);
      if (fields.length < 10) continue;
      const localPort = parseInt(fields[1]!.split(':').pop()!, 16);
      // 0A is LISTEN.
      if (localPort === port && fields[3] === '0A') inodes.add(fields[9]!);
    }
  }
  if (inodes.size === 0) return [];
  const owners: number[] = [];
  for (const pid of parentsOf().keys()) {
    let descriptors: string[];
    try {
      descriptors = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of descriptors) {
      let target: string;
      try {
        target = readlinkSync(`/proc/${pid}/fd/${fd}`);
      } catch {
        continue;
      }
      const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
      if (inode && inodes.has(inode)) {
        owners.push(pid);
        break;
      }
    }
  }
  return owners;
}
