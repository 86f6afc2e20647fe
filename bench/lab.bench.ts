// Lab benchmarks: how long the lab takes to start, and what the balancer's hop costs compared
// with going straight to an instance and with a minimal node:http reverse proxy, in one run.
//   node bench/lab.bench.ts
import autocannon from 'autocannon';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LabState } from '../sandboxes/platform/types.ts';
import { readyUrl } from '../sandboxes/platform/lines.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const labEntry = path.join(root, 'sandboxes/platform/lab.ts');
const STARTS = 5;
const LOAD_SECONDS = 6;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Starts the lab as `npm run lab` would and resolves when it prints its ready line. */
async function startLab(
  env: Record<string, string>,
): Promise<{ child: ChildProcess; url: string; ms: number }> {
  const started = performance.now();
  const child = spawn(process.execPath, [labEntry], {
    cwd: root,
    env: { ...process.env, LAB_PORT: '0', LAB_WATCH: '0', REDIS_URL: '', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
      const ready = readyUrl(output);
      if (ready) resolve(ready);
    });
    child.once('exit', (code) => reject(new Error(`the lab exited with ${code}:\n${output}`)));
  });
  return { child, url, ms: performance.now() - started };
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  await exited;
}

/** The smallest reasonable reverse proxy: keep-alive to one upstream, headers and body piped. */
function minimalProxy(upstreamPort: number): Promise<http.Server> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  const server = http.createServer((request, response) => {
    const upstream = http.request(
      {
        host: '127.0.0.1',
        port: upstreamPort,
        method: request.method,
        path: request.url,
        headers: request.headers,
        agent,
      },
      (answer) => {
        response.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(response);
      },
    );
    upstream.on('error', () => {
      response.statusCode = 502;
      response.end();
    });
    request.pipe(upstream);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

async function load(
  url: string,
  connections: number,
): Promise<{ rps: number; p50: number; p99: number; errors: number }> {
  const result = await autocannon({ url, connections, duration: LOAD_SECONDS, pipelining: 1 });
  return {
    rps: Math.round(result.requests.average),
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.non2xx,
  };
}

/** Latency of one request at a time over one kept-alive connection, measured to the microsecond. */
async function sequential(
  url: string,
  count: number,
): Promise<{ rps: number; p50: number; p99: number; errors: number }> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const durations: number[] = [];
  let errors = 0;
  const began = performance.now();
  for (let i = 0; i < count; i++) {
    const start = performance.now();
    const status = await new Promise<number>((resolve) => {
      http
        .get(url, { agent }, (response) => {
          response.resume();
          response.on('end', () => resolve(response.statusCode ?? 0));
        })
        .on('error', () => resolve(0));
    });
    if (status !== 200) errors += 1;
    durations.push(performance.now() - start);
  }
  agent.destroy();
  const sorted = durations.sort((a, b) => a - b);
  const at = (q: number): number =>
    Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! * 1000) / 1000;
  return {
    rps: Math.round(count / ((performance.now() - began) / 1000)),
    p50: at(0.5),
    p99: at(0.99),
    errors,
  };
}

async function main(): Promise<void> {
  // 1. Lab start: from the command to every instance ready (the ready line comes after that).
  const times: number[] = [];
  for (let run = 0; run < STARTS; run++) {
    const lab = await startLab({});
    times.push(lab.ms);
    await stop(lab.child);
  }
  console.log(
    `lab: start to all 3 instances ready, median of ${STARTS}: ${Math.round(median(times))} ms (runs: ${times.map(Math.round).join(', ')} ms; goal ≤ 1000 ms)`,
  );

  // 2. The balancer's hop, with one instance so that all three paths reach the same process.
  const lab = await startLab({ INSTANCES: '1' });
  try {
    const state = (await (await fetch(new URL('lab/state', lab.url))).json()) as LabState;
    const instancePort = state.instances[0]!.port;
    const proxyChild = spawn(
      process.execPath,
      [fileURLToPath(import.meta.url), '--proxy', String(instancePort)],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    const [portLine] = (await once(proxyChild.stdout!, 'data')) as [Buffer];
    const proxyPort = Number(portLine.toString().trim());
    const targets = {
      direct: `http://127.0.0.1:${instancePort}/healthz`,
      balancer: new URL('healthz', lab.url).toString(),
      'minimal proxy': `http://127.0.0.1:${proxyPort}/healthz`,
    };
    try {
      for (const connections of [50, 1]) {
        const figures: Record<string, { rps: number; p50: number; p99: number; errors: number }> =
          {};
        for (const [name, url] of Object.entries(targets)) {
          figures[name] =
            connections === 1 ? await sequential(url, 4000) : await load(url, connections);
        }
        for (const [name, figure] of Object.entries(figures)) {
          console.log(
            `lab: GET /healthz ${name}, ${connections} connection${connections > 1 ? 's' : ''}: ${figure.rps} req/s, p50 ${figure.p50} ms, p99 ${figure.p99} ms${figure.errors ? `, ${figure.errors} errors` : ''}`,
          );
        }
        const balancer = figures['balancer']!;
        const minimal = figures['minimal proxy']!;
        const direct = figures['direct']!;
        if (connections > 1) {
          console.log(
            `lab: balancer throughput ${Math.round((balancer.rps / minimal.rps) * 100)} % of the minimal proxy's (goal ≥ 100 %)`,
          );
        } else {
          console.log(
            `lab: balancer hop at p50, 1 connection: +${(balancer.p50 - direct.p50).toFixed(3)} ms over direct (goal ≤ 0.5 ms)`,
          );
        }
      }
    } finally {
      await stop(proxyChild);
    }
  } finally {
    await stop(lab.child);
  }
}

// The same file, started with --proxy, is the minimal proxy in a process of its own, so that it
// does not compete with the load generator inside one process (the balancer has its own too).
if (process.argv[2] === '--proxy') {
  const server = await minimalProxy(Number(process.argv[3]));
  process.stdout.write(`${(server.address() as { port: number }).port}\n`);
  process.on('SIGTERM', () => process.exit(0));
} else {
  await main();
}
