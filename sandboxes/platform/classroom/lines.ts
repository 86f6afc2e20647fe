/**
 * What `npm run classroom` prints for people and for programs: the Join line (the participants'
 * URL, also shown as a QR code), the Instructor line (the URL with the key) and the Projector
 * line, and the choice of the address the room can reach. Each format is written here once.
 */
import type os from 'node:os';

/** `Join: http://<LAN address>:<port>/join` */
export function formatJoinLine(address: string, port: number): string {
  return `Join: ${baseUrl(address, port)}join`;
}

/** `Instructor: http://127.0.0.1:<port>/?key=<key>` */
export function formatInstructorLine(port: number, key: string): string {
  return `Instructor: http://127.0.0.1:${port}/?key=${encodeURIComponent(key)}`;
}

/** `Projector: http://127.0.0.1:<port>/projector` (open it after the Instructor URL). */
export function formatProjectorLine(port: number): string {
  return `Projector: http://127.0.0.1:${port}/projector`;
}

const JOIN = /^Join: (http:\/\/\S+\/join)$/m;
const INSTRUCTOR = /^Instructor: (http:\/\/127\.0\.0\.1:\d+\/\?key=\S+)$/m;

/** The Join and Instructor URLs in some output, once both are printed. */
export function readClassroomLines(output: string): { join: string; instructor: string } | null {
  const join = JOIN.exec(output)?.[1];
  const instructor = INSTRUCTOR.exec(output)?.[1];
  return join && instructor ? { join, instructor } : null;
}

function baseUrl(address: string, port: number): string {
  return `http://${address.includes(':') ? `[${address}]` : address}:${port}/`;
}

/** Where the classroom lab listens and which address its Join line gives. */
export interface ClassroomPlace {
  /** The address to listen on. */
  listen: string;
  /** The address the room's phones open. */
  join: string;
  /** A sentence for the terminal when the room cannot join, or null. */
  warning: string | null;
}

// Interfaces that carry no room: containers' and virtual machines' bridges.
const VIRTUAL = /^(docker|br-|veth|virbr|vmnet|vboxnet|lxc|cni|flannel|tailscale|utun|zt)/;

/** The machine's address on the room's network: an IPv4, private ranges first; null when none. */
export function lanAddress(interfaces: ReturnType<typeof os.networkInterfaces>): string | null {
  const candidates: { address: string; score: number }[] = [];
  for (const [name, entries] of Object.entries(interfaces)) {
    for (const entry of entries ?? []) {
      if (entry.internal || entry.family !== 'IPv4' || entry.address.startsWith('169.254.'))
        continue;
      const [a = 0, b = 0] = entry.address.split('.').map(Number);
      const privateRange =
        a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168);
      candidates.push({
        address: entry.address,
        score: (privateRange ? 2 : 1) - (VIRTUAL.test(name) ? 2 : 0),
      });
    }
  }
  candidates.sort((x, y) => y.score - x.score);
  return candidates[0]?.address ?? null;
}

/**
 * Where to listen and what to print: every interface (`LAB_HOST` unset or `0.0.0.0`) with the
 * LAN address in the Join line; 127.0.0.1 and a warning when the machine has no LAN address.
 */
export function classroomPlace(
  requestedHost: string | undefined,
  interfaces: ReturnType<typeof os.networkInterfaces>,
): ClassroomPlace {
  const host = requestedHost || '0.0.0.0';
  if (host === '127.0.0.1' || host === 'localhost' || host === '::1') {
    return {
      listen: host,
      join: '127.0.0.1',
      warning: `LAB_HOST=${host}: only this machine can open the Join URL; leave LAB_HOST unset to let the room's phones in.`,
    };
  }
  if (host !== '0.0.0.0' && host !== '::') return { listen: host, join: host, warning: null };
  const lan = lanAddress(interfaces);
  if (lan) return { listen: host, join: lan, warning: null };
  return {
    listen: '127.0.0.1',
    join: '127.0.0.1',
    warning:
      'No network interface besides loopback was found, so the room cannot reach this machine: the lab listens on 127.0.0.1 only. Join the room’s Wi-Fi (or share a hotspot) and start again.',
  };
}
