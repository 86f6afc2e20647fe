/**
 * The local runtime against a fake lab host: a `fetch` that answers as sandboxes/local/host.ts
 * does and an EventSource the test feeds with the lab's output, so no process is started here
 * (tests/sandbox/lab-host.process.test.ts runs the real host).
 */
import { describe, expect, it } from 'vitest';
import { formatSelfTestLine } from '../../sandboxes/platform/lines.ts';
import { LocalRuntime, type EventSourceLike } from '../../src/sandbox/local-runtime.ts';
import { RuntimeUnavailable, type Progress } from '../../src/sandbox/runtime.ts';
import type { SelfTestReport } from '../../src/sandbox/self-test.ts';
import { rejection, TWO_INSTANCE_LAB_START } from './runtime-helpers.ts';

/** The output stream the runtime opens; the fake host writes to it as the lab prints. */
class FakeEventSource implements EventSourceLike {
  readonly url: string;
  onmessage: ((event: MessageEvent<string>) => void) | null = null;
  closed = false;
  constructor(url: string) {
    this.url = url;
  }
  /** Sends one chunk of output, JSON-encoded as the host sends it. */
  send(chunk: string): void {
    if (!this.closed) this.onmessage?.({ data: JSON.stringify(chunk) } as MessageEvent<string>);
  }
  close(): void {
    this.closed = true;
  }
}

interface Call {
  method: string;
  path: string;
  body: unknown;
}

/** A lab host in memory: the cart lab, its files, and what was asked of it. */
function fakeHost(options: { answer?: (call: Call) => Response | null } = {}) {
  const calls: Call[] = [];
  const streams: FakeEventSource[] = [];
  const files: Record<string, string> = { 'cart.js': '// start\n', 'server.js': '// server\n' };
  const json = (status: number, value: unknown): Response =>
    new Response(JSON.stringify(value), {
      status,
      headers: { 'content-type': 'application/json' },
    });
  const fetch = async (input: RequestInfo | URL, init: RequestInit = {}): Promise<Response> => {
    const path = String(input);
    const method = init.method ?? 'GET';
    const body = typeof init.body === 'string' ? (JSON.parse(init.body) as unknown) : undefined;
    const call = { method, path, body };
    calls.push(call);
    const special = options.answer?.(call);
    if (special) return special;
    if (path === '/_labs/') return json(200, { labs: [{ id: 'cart' }] });
    const action = path.slice('/_labs/cart/'.length);
    if (method === 'POST' && action === 'start') {
      // The lab prints its progress while the host waits for it, then the host answers.
      const output = streams.at(-1)!;
      output.send('lab: starting the embedded store\n');
      output.send('lab: starting instance 1 of 2\nlab: start');
      output.send('ing instance 2 of 2\n');
      output.send('platform: web-1 is ready\nplatform: web-2 is ready\n');
      output.send('Lab ready at http://127.0.0.1:41234/ (2 of 2 instances)\n');
      return json(200, { phase: 'ready' });
    }
    if (method === 'GET' && action === 'files') return json(200, { files });
    if (method === 'PUT' && action.startsWith('files/')) {
      const name = decodeURIComponent(action.slice('files/'.length));
      if (!(name in files))
        return json(403, { error: `"${name}" is not one of this lab's editable files.` });
      files[name] = (body as { content: string }).content;
      return json(200, { ok: true });
    }
    if (method === 'POST' && action === 'reset') {
      files['cart.js'] = '// start\n';
      return json(200, { files });
    }
    if (method === 'POST' && action === 'solve') {
      files['cart.js'] = '// solved\n';
      return json(200, { files });
    }
    if (method === 'POST' && action === 'check') {
      return json(200, {
        results: [
          {
            id: 'cart',
            ok: files['cart.js'] === '// solved\n',
            message: { fr: 'Panier', en: 'Cart' },
          },
        ],
      });
    }
    if (method === 'POST' && action === 'stop') return json(200, { phase: 'stopped' });
    return json(404, { error: `No lab action "${action}".` });
  };
  const runtime = new LocalRuntime({
    labId: 'cart',
    fetch: fetch as typeof globalThis.fetch,
    openStream: (url) => {
      const stream = new FakeEventSource(url);
      streams.push(stream);
      return stream;
    },
  });
  return { runtime, calls, streams, files };
}

describe('LocalRuntime: start', () => {
  it('starts the lab through the host and reports progress from its output lines', async () => {
    const { runtime, calls, streams } = fakeHost();
    const progress: Progress[] = [];
    const { previewUrl } = await runtime.start((step) => progress.push(step));
    expect(previewUrl).toBe('/_labs/cart/app/');
    expect(streams.map((stream) => stream.url)).toEqual(['/_labs/cart/output']);
    expect(calls.map((call) => `${call.method} ${call.path}`)).toEqual([
      'GET /_labs/',
      'POST /_labs/cart/start',
    ]);
    expect(progress).toEqual(TWO_INSTANCE_LAB_START);
  });

  it("gives the lab's output to listeners, replaying it to late ones", async () => {
    const { runtime, streams } = fakeHost();
    await runtime.start(() => {});
    const late: string[] = [];
    runtime.onOutput((chunk) => late.push(chunk));
    expect(late.join('')).toContain('Lab ready at http://127.0.0.1:41234/');
    streams[0]!.send('[web-1] GET /\n');
    expect(late.at(-1)).toBe('[web-1] GET /\n');
  });

  it('reads self-test lines from the output into a report, as the WebContainer runtime does', async () => {
    const { runtime, streams } = fakeHost();
    await runtime.start(() => {});
    const reports: SelfTestReport[] = [];
    runtime.onSelfTest((report) => reports.push(report));
    expect(reports).toEqual([]);
    streams[0]!.send(
      `${formatSelfTestLine({ name: 'watcher', status: 'ok', detail: 'recursive' })}\n`,
    );
    expect(reports.at(-1)?.watcher).toEqual({ status: 'ok', detail: 'recursive' });
    expect(reports.at(-1)?.sigterm.status).toBe('pending');
  });

  it('says local-unreachable when no lab host answers, without starting anything', async () => {
    const { runtime, calls } = fakeHost({
      answer: (call) =>
        call.path === '/_labs/' ? new Response('<h1>Not found</h1>', { status: 404 }) : null,
    });
    const error = await rejection(runtime.start(() => {}));
    expect(error).toBeInstanceOf(RuntimeUnavailable);
    expect((error as RuntimeUnavailable).reason).toBe('local-unreachable');
    expect(calls).toHaveLength(1);
  });

  it('takes a static site answering HTML with 200 for no lab host', async () => {
    const { runtime } = fakeHost({
      answer: (call) =>
        call.path === '/_labs/'
          ? new Response('<!doctype html>', { headers: { 'content-type': 'text/html' } })
          : null,
    });
    expect(await runtime.reachable()).toBe(false);
  });

  it('gives up the probe within its time limit when the host never answers', async () => {
    const runtime = new LocalRuntime({
      labId: 'cart',
      // A fetch that hangs until it is aborted, as a dead proxy would.
      fetch: ((_input: RequestInfo | URL, init?: RequestInit) =>
        new Promise((_, reject) => {
          init?.signal?.addEventListener('abort', () => reject(new Error('aborted')));
        })) as typeof fetch,
      openStream: (url) => new FakeEventSource(url),
    });
    const started = Date.now();
    expect(await runtime.reachable(50)).toBe(false);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('says the host is gone when fetch itself fails', async () => {
    const { runtime } = fakeHost({
      answer: (call) => {
        if (call.path === '/_labs/cart/start') throw new TypeError('Failed to fetch');
        return null;
      },
    });
    const error = await rejection(runtime.start(() => {}));
    expect(error.message).toMatch(/did not answer \(Failed to fetch\)/);
    expect(error.message).toMatch(/npm start/);
  });
});

describe('LocalRuntime: files and actions', () => {
  it('reads and writes the editable files through the host', async () => {
    const { runtime, calls, files } = fakeHost();
    await runtime.start(() => {});
    expect(await runtime.readFiles()).toEqual({
      'cart.js': '// start\n',
      'server.js': '// server\n',
    });
    await runtime.writeFile('cart.js', '// edited\n');
    expect(files['cart.js']).toBe('// edited\n');
    expect(calls.at(-1)).toEqual({
      method: 'PUT',
      path: '/_labs/cart/files/cart.js',
      body: { content: '// edited\n' },
    });
  });

  it("passes on the host's refusal in its own words", async () => {
    const { runtime } = fakeHost();
    await runtime.start(() => {});
    const error = await rejection(runtime.writeFile('../lab.js', 'x'));
    expect(error.message).toBe(`"../lab.js" is not one of this lab's editable files.`);
  });

  it('check fails, solve puts the solution in place, check passes, reset brings the start back', async () => {
    const { runtime } = fakeHost();
    await runtime.start(() => {});
    expect((await runtime.check()).map((result) => result.ok)).toEqual([false]);
    expect((await runtime.solve())['cart.js']).toBe('// solved\n');
    expect(await runtime.check()).toEqual([
      { id: 'cart', ok: true, message: { fr: 'Panier', en: 'Cart' } },
    ]);
    expect((await runtime.reset())['cart.js']).toBe('// start\n');
  });

  it('says so when the host answers without JSON (a proxy error page)', async () => {
    const { runtime } = fakeHost({
      answer: (call) =>
        call.path === '/_labs/cart/check'
          ? new Response('<h1>502 Bad Gateway</h1>', { status: 502 })
          : null,
    });
    await runtime.start(() => {});
    const error = await rejection(runtime.check());
    expect(error.message).toBe(
      'POST check: the lab host answered 502 without JSON. Is "npm start" still running?',
    );
  });

  it('stop closes the output stream and asks the host to stop, even when it is gone', async () => {
    const { runtime, calls, streams } = fakeHost({
      answer: (call) => {
        if (call.path === '/_labs/cart/stop') throw new TypeError('Failed to fetch');
        return null;
      },
    });
    await runtime.start(() => {});
    await runtime.stop();
    expect(streams[0]!.closed).toBe(true);
    expect(calls.at(-1)?.path).toBe('/_labs/cart/stop');
  });
});
