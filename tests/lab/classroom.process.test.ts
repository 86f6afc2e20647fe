// `npm run classroom` as a real process (scripts/classroom.ts, memory sessions, the embedded
// store), reached only through 127.0.0.1: the lines it prints and their QR code, the instructor's
// key on every control write, a foreign Host refused before anything changes, the visit limit
// per participant; and the lab host of `npm start`, which answers only to its own names and
// only to this machine unless the key is presented.
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import QRCode from 'qrcode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLabHost, type LabHost } from '../../sandboxes/local/host.ts';
import { readClassroomLines } from '../../sandboxes/platform/classroom/lines.ts';
import type { LabState, RoomState } from '../../sandboxes/platform/types.ts';
import { modulesFromTerminal, modulesOfSymbol } from './classroom-qr.ts';
import { root, startLabProcess, type LabProcess } from './harness.ts';

const classroomEntry = path.join(root, 'scripts/classroom.ts');
const KEY = 'test-classroom-key-0123';

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  json: Record<string, unknown>;
}

// node:http rather than fetch, which cannot send a Host header of its own choosing.
function call(
  base: string,
  pathname: string,
  options: { method?: string; headers?: Record<string, string>; body?: unknown } = {},
): Promise<Answer> {
  const url = new URL(pathname, base);
  const body = options.body === undefined ? undefined : JSON.stringify(options.body);
  return new Promise((resolve, reject) => {
    const request = http.request(
      {
        host: '127.0.0.1',
        port: url.port,
        path: `${url.pathname}${url.search}`,
        method: options.method ?? 'GET',
        headers: {
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...options.headers,
        },
      },
      (response) => {
        let text = '';
        response.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
        response.on('end', () => {
          let json: Record<string, unknown> = {};
          try {
            json = JSON.parse(text) as Record<string, unknown>;
          } catch {
            // Pages are HTML; their status is what counts.
          }
          resolve({ status: response.statusCode ?? 0, headers: response.headers, json });
        });
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

// The `name=value` of each cookie an answer sets.
function cookiesOf(answer: Answer): string {
  return (answer.headers['set-cookie'] ?? []).map((line) => line.split(';')[0]).join('; ');
}

describe('npm run classroom', () => {
  let lab: LabProcess;
  let base: string;

  beforeAll(async () => {
    lab = await startLabProcess({ CLASSROOM_KEY: KEY, LAB_HOST: '' }, classroomEntry, 60_000);
    base = lab.url;
    // The lines and the QR code come right after the ready line.
    const deadline = Date.now() + 10_000;
    while (!(readClassroomLines(lab.output()) && lab.output().includes('▀'))) {
      if (Date.now() > deadline) throw new Error(`no classroom lines:\n${lab.output()}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  });
  afterAll(async () => {
    await lab?.stop();
  });

  const state = async (): Promise<LabState> =>
    (await call(base, '/lab/state')).json as unknown as LabState;

  it('prints the Join and Instructor lines exactly, and the Join URL as a QR code', () => {
    const output = lab.output();
    const port = new URL(base).port;
    const lines = readClassroomLines(output);
    expect(lines).not.toBeNull();
    // The Join line gives this machine's address on its network (never opened by the tests).
    expect(output).toMatch(new RegExp(`^Join: http://(\\d{1,3}\\.){3}\\d{1,3}:${port}/join$`, 'm'));
    expect(output).toMatch(
      new RegExp(`^Instructor: http://127\\.0\\.0\\.1:${port}/\\?key=${KEY}$`, 'm'),
    );
    const symbol = QRCode.create(lines!.join).modules;
    const drawing = output.slice(output.indexOf('\n', output.indexOf('Projector: ')) + 1);
    expect(modulesFromTerminal(drawing, symbol.size)).toEqual(modulesOfSymbol(symbol));
  });

  it('keeps the store and the instances on loopback', async () => {
    const now = await state();
    expect(output(lab)).toMatch(/listening on 127\.0\.0\.1:/);
    expect(now.store.port).not.toBeNull();
  });

  it('refuses control writes without the key, with a wrong key and from another site; nothing changes', async () => {
    const before = await state();
    const attempts: { headers: Record<string, string>; status: number }[] = [
      { headers: {}, status: 401 },
      { headers: { authorization: 'Bearer not-the-key' }, status: 401 },
      { headers: { cookie: 'lab.instructor=not-the-key' }, status: 401 },
      // A page of another site is refused even with the key.
      {
        headers: { authorization: `Bearer ${KEY}`, 'sec-fetch-site': 'cross-site' },
        status: 403,
      },
    ];
    for (const { headers, status } of attempts) {
      const scaled = await call(base, '/lab/scale', {
        method: 'POST',
        headers,
        body: { count: 2 },
      });
      expect(scaled.status).toBe(status);
      expect(typeof scaled.json['error']).toBe('string');
      const killed = await call(base, `/lab/instances/${before.instances[0]!.id}/kill`, {
        method: 'POST',
        headers,
      });
      expect(killed.status).toBe(status);
      for (const route of ['/lab/replace', '/lab/store/stop']) {
        expect((await call(base, route, { method: 'POST', headers })).status).toBe(status);
      }
      expect(
        (
          await call(base, '/lab/config', {
            method: 'PUT',
            headers,
            body: { sessionStore: 'redis' },
          })
        ).status,
      ).toBe(status);
      // A task runs code: refused without the key before the route is even looked up.
      if (status === 401) {
        const task = await call(base, '/lab/tasks/seed', { method: 'POST', headers });
        expect(task.status).toBe(401);
      }
    }
    const after = await state();
    expect(after.desired).toBe(before.desired);
    expect(after.sessionStore).toBe('memory');
    expect(after.store.up).toBe(true);
    expect(after.instances.map((instance) => instance.id)).toEqual(
      before.instances.map((instance) => instance.id),
    );
  });

  it('lets the key through: as a Bearer header, and as the cookie the Instructor URL sets', async () => {
    const wrong = await call(base, '/?key=nope');
    expect(wrong.status).toBe(401);
    expect(wrong.headers['set-cookie']).toBeUndefined();
    const login = await call(base, `/?key=${KEY}`);
    expect(login.status).toBe(303);
    expect(login.headers.location).toBe('/');
    const cookie = login.headers['set-cookie']?.[0] ?? '';
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);

    const scaled = await call(base, '/lab/scale', {
      method: 'POST',
      headers: { authorization: `Bearer ${KEY}` },
      body: { count: 2 },
    });
    expect(scaled.status).toBe(200);
    expect((await state()).desired).toBe(2);
    const back = await call(base, '/lab/scale', {
      method: 'POST',
      headers: { cookie: cookie.split(';')[0]! },
      body: { count: 3 },
    });
    expect(back.status).toBe(200);
    expect((await state()).desired).toBe(3);
  });

  it('refuses a foreign Host with 403, on every route, and changes nothing', async () => {
    const before = await state();
    const headers = {
      host: `rebound.example:${new URL(base).port}`,
      authorization: `Bearer ${KEY}`,
    };
    for (const route of ['/lab/state', '/join', '/api/session', '/']) {
      const answer = await call(base, route, { headers });
      expect(answer.status, route).toBe(403);
      expect(answer.json['error']).toMatch(/LAB_ALLOWED_HOSTS/);
    }
    const scaled = await call(base, '/lab/scale', { method: 'POST', headers, body: { count: 1 } });
    expect(scaled.status).toBe(403);
    expect((await state()).desired).toBe(before.desired);
    // localhost and the IP literal still pass.
    expect((await call(base, '/lab/state', { headers: { host: 'localhost' } })).status).toBe(200);
  });

  it("gives participants /join, the app's API and read-only state, and counts their visits", async () => {
    const join = await call(base, '/join', { headers: { 'accept-language': 'en-GB,en;q=0.9' } });
    expect(join.status).toBe(200);
    expect(join.headers['content-language']).toBe('en');
    const cookie = cookiesOf(join);
    expect(cookie).toMatch(/^lab\.participant=/);
    let jar = cookie;
    for (let visit = 1; visit <= 3; visit += 1) {
      const answer = await call(base, '/api/visit', { method: 'POST', headers: { cookie: jar } });
      expect(answer.status).toBe(200);
      if (answer.headers['set-cookie']) jar = `${cookie}; ${cookiesOf(answer)}`;
    }
    const room = (await call(base, '/lab/room')).json as unknown as RoomState;
    expect(room.participants.some((participant) => participant.visits === 3)).toBe(true);
    expect((await call(base, '/lab/room/me', { headers: { cookie: jar } })).json['visits']).toBe(3);
    expect((await call(base, '/projector')).status).toBe(200);
  });

  it('limits the flood of one participant, not the others', async () => {
    const flooder = cookiesOf(await call(base, '/join'));
    const others = await Promise.all(
      [1, 2, 3].map(async () => cookiesOf(await call(base, '/join'))),
    );
    const flood = await Promise.all(
      Array.from({ length: 80 }, () =>
        call(base, '/api/session', { headers: { cookie: flooder } }),
      ),
    );
    const limited = flood.filter((answer) => answer.status === 429);
    expect(limited.length).toBeGreaterThan(40);
    expect(limited[0]!.json['error']).toMatch(/Too many visits/);
    expect(flood.filter((answer) => answer.status === 200).length).toBeGreaterThanOrEqual(15);
    // The others sit behind the same address (127.0.0.1) and visit at a person's pace: all pass.
    for (let round = 0; round < 3; round += 1) {
      const answers = await Promise.all(
        others.map((cookie) => call(base, '/api/visit', { method: 'POST', headers: { cookie } })),
      );
      expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200]);
    }
  });
});

function output(lab: LabProcess): string {
  return lab.output();
}

describe("the lab host of npm start on a room's network", () => {
  let host: LabHost;
  let workDir: string;
  const KEY_HOST = 'host-instructor-key-42';

  beforeAll(async () => {
    fs.mkdirSync(path.join(root, '.lab-work'), { recursive: true });
    workDir = fs.mkdtempSync(path.join(root, '.lab-work', 'classroom-host-'));
    host = await startLabHost({ workDir, allowedHosts: ['laptop.lan'], instructorKey: KEY_HOST });
  });
  afterAll(async () => {
    await host?.close();
    fs.rmSync(workDir, { recursive: true, force: true });
  });

  const write = (headers: Record<string, string>) =>
    call(host.url, '/_labs/sessions/files/server.js', {
      method: 'PUT',
      headers,
      body: { content: '// rebound\n' },
    });

  it('refuses a foreign Host with 403: no file written, no lab started', async () => {
    const headers = { host: `rebound.example:${host.port}` };
    const written = await write(headers);
    expect(written.status).toBe(403);
    expect(written.json['error']).toMatch(/LAB_ALLOWED_HOSTS/);
    const started = await call(host.url, '/_labs/sessions/start', { method: 'POST', headers });
    expect(started.status).toBe(403);
    expect(fs.existsSync(path.join(workDir, 'sessions'))).toBe(false);
    const status = await call(host.url, '/_labs/sessions/status');
    expect(status.json['phase']).toBe('stopped');
    // Its own names pass.
    expect((await call(host.url, '/_labs/', { headers: { host: 'laptop.lan:4321' } })).status).toBe(
      200,
    );
  });

  it("refuses a client of the room (the proxy's X-Forwarded-For) without the key; with it, answers", async () => {
    // What the site's proxy sends for a phone: the phone's own claim, then the address it saw.
    // The phone reads English here (the host answers in the request's language, else the lab's).
    const phone = { 'x-forwarded-for': '127.0.0.1,192.0.2.50', 'accept-language': 'en' };
    const listed = await call(host.url, '/_labs/', { headers: phone });
    expect(listed.status).toBe(403);
    expect(listed.json['error']).toMatch(/from this machine only/);
    expect((await write(phone)).status).toBe(403);
    expect(fs.existsSync(path.join(workDir, 'sessions'))).toBe(false);
    expect(
      (await call(host.url, '/_labs/', { headers: { ...phone, authorization: 'Bearer wrong' } }))
        .status,
    ).toBe(403);
    expect(
      (
        await call(host.url, '/_labs/', {
          headers: { ...phone, authorization: `Bearer ${KEY_HOST}` },
        })
      ).status,
    ).toBe(200);
    const login = await call(host.url, `/_labs/?key=${KEY_HOST}`, { headers: phone });
    expect(login.status).toBe(303);
    const cookie = cookiesOf(login);
    expect((await call(host.url, '/_labs/', { headers: { ...phone, cookie } })).status).toBe(200);
    expect((await call(host.url, '/_labs/?key=wrong', { headers: phone })).status).toBe(403);
    // This machine's own browser needs no key.
    expect(
      (await call(host.url, '/_labs/', { headers: { 'x-forwarded-for': '127.0.0.1' } })).status,
    ).toBe(200);
  });
});
