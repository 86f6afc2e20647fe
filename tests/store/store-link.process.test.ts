/**
 * The store link as the lab uses it: the embedded store listens on the link's own port and cuts
 * itself when asked, so the instances reach it with no relay; a real Redis is relayed. Either
 * way a cut is the same outage for a client (refused, open connections dropped) and the data
 * survives it.
 */
import { afterAll, describe, expect, test } from 'vitest';
import { StoreLink } from '../../sandboxes/platform/store-link.ts';
import { startStoreProcess, type StoreProcess } from '../../sandboxes/platform/store-process.ts';
import { RawClient, encodeCommand } from './helpers.ts';

const started: StoreProcess[] = [];
afterAll(async () => {
  await Promise.all(started.map((store) => store.stop()));
});

async function store(port?: number): Promise<StoreProcess> {
  const process = await startStoreProcess(port === undefined ? {} : { port });
  started.push(process);
  return process;
}

/** Whether a connection to `port` is refused (nothing listens there). */
async function refused(port: number): Promise<boolean> {
  try {
    const client = await RawClient.connect(port);
    client.socket.destroy();
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ECONNREFUSED';
  }
}

async function command(port: number, ...args: string[]): Promise<string> {
  const client = await RawClient.connect(port);
  client.send(encodeCommand(args));
  const [reply] = await client.replies(1);
  client.socket.destroy();
  return reply!;
}

describe('store link', () => {
  test('the embedded store on the link port is reached straight, and cuts itself with its data kept', async () => {
    const link = new StoreLink(null);
    await link.open();
    expect(link.up).toBe(true);
    // Until the store starts, nothing listens on the link's port: refused, as a store starting.
    expect(await refused(link.port)).toBe(true);
    const embedded = await store(link.port);
    link.setTarget({ host: '127.0.0.1', port: embedded.port }, embedded);
    expect(embedded.port).toBe(link.port);
    expect(await command(link.port, 'SET', 'sess:a', '1')).toBe('+OK\r\n');
    const open = await RawClient.connect(link.port);

    await link.cut();
    expect(link.up).toBe(false);
    expect(await refused(link.port)).toBe(true);
    for (let tries = 0; tries < 50 && !open.ended; tries += 1) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(open.ended).toBe(true);
    // The store process itself is still running through the outage.
    expect(embedded.child.exitCode).toBeNull();

    await link.open();
    expect(link.up).toBe(true);
    expect(await command(link.port, 'GET', 'sess:a')).toBe('$1\r\n1\r\n');
  });

  test('a cut asked before the store is there holds once it starts', async () => {
    const link = new StoreLink(null);
    await link.open();
    await link.cut();
    const embedded = await store(link.port);
    link.setTarget({ host: '127.0.0.1', port: embedded.port }, embedded);
    for (let tries = 0; tries < 50 && !(await refused(link.port)); tries += 1) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(await refused(link.port)).toBe(true);
    await link.open();
    expect(await command(link.port, 'PING')).toBe('+PONG\r\n');
  });

  test('a store elsewhere (a real Redis, say) is relayed, and the relay is what a cut closes', async () => {
    const outside = await store();
    const link = new StoreLink({ host: '127.0.0.1', port: outside.port });
    await link.open();
    expect(link.port).not.toBe(outside.port);
    expect(await command(link.port, 'SET', 'k', 'v')).toBe('+OK\r\n');
    await link.cut();
    expect(await refused(link.port)).toBe(true);
    // The store behind the relay never stopped.
    expect(await command(outside.port, 'GET', 'k')).toBe('$1\r\nv\r\n');
    await link.open();
    expect(await command(link.port, 'GET', 'k')).toBe('$1\r\nv\r\n');
  });
});
