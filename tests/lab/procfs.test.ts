// The /proc readings the no-orphan tests and the benchmarks rely on, checked against processes
// and sockets this test makes itself.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import http from 'node:http';
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import {
  ancestors,
  childPids,
  descendants,
  isRunning,
  listenersOn,
  procStat,
} from '../../scripts/procfs.ts';

describe('procfs', () => {
  it('finds the process that listens on a port, IPv4 or IPv6, and nothing once it closed', async () => {
    for (const host of ['127.0.0.1', '::1']) {
      const server = net.createServer();
      await new Promise<void>((resolve) => server.listen(0, host, resolve));
      const port = (server.address() as net.AddressInfo).port;
      expect(listenersOn(port)).toEqual([process.pid]);
      await new Promise((resolve) => server.close(resolve));
      expect(listenersOn(port)).toEqual([]);
    }
  });

  it('a connected socket on the port is no listener', async () => {
    const server = http.createServer((_request, response) => response.end('ok'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    const client = net.connect(port, '127.0.0.1');
    await once(client, 'connect');
    // The client's end of the connection is on another port; the server's accepted end is on
    // this one but is not listening: still one listener, this process.
    expect(listenersOn(port)).toEqual([process.pid]);
    client.destroy();
    await new Promise((resolve) => server.close(resolve));
  });

  it('follows a child and its own child, up and down, and sees them go', async () => {
    // A shell that starts a sleeping grandchild and waits for it.
    const child = spawn('sh', ['-c', 'sleep 30 & echo $!; wait'], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const [line] = (await once(child.stdout!, 'data')) as [Buffer];
    const grandchild = Number(line.toString().trim());
    try {
      expect(childPids(process.pid)).toContain(child.pid);
      expect(descendants(process.pid)).toEqual(expect.arrayContaining([child.pid, grandchild]));
      expect(ancestors(grandchild).slice(0, 2)).toEqual([child.pid, process.pid]);
      expect(procStat(grandchild)?.[1]).toBe(String(child.pid));
      expect(isRunning(grandchild)).toBe(true);
    } finally {
      process.kill(grandchild, 'SIGKILL');
      child.kill('SIGKILL');
      await once(child, 'exit');
    }
    expect(isRunning(child.pid!)).toBe(false);
    expect(procStat(999_999_999)).toBeNull();
  });
});
