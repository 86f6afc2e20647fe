// The lab host's proxy to a running lab, against a stand-in lab that closes a kept-alive
// connection just as it is reused (it takes the next request on it and hangs up without a word):
// the race CI met once, when one of a dashboard's sixteen module requests came back 502 "socket
// hang up". A request without a body is sent again on a new connection; one with a body, already
// streamed away, gets the 502 with the reason.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { proxy } from '../../sandboxes/local/host.ts';

describe('the lab host proxy', () => {
  let lab: http.Server;
  let front: http.Server;
  let frontUrl: string;
  const hungUp: string[] = [];

  beforeAll(async () => {
    lab = http.createServer((request, response) => {
      const socket = request.socket as typeof request.socket & { served?: number };
      socket.served = (socket.served ?? 0) + 1;
      if (socket.served > 1) {
        hungUp.push(`${request.method} ${request.url}`);
        socket.destroy();
        return;
      }
      request.resume();
      request.on('end', () => {
        response.writeHead(200, { 'content-type': 'text/plain' });
        response.end(`${request.method} ${request.url}`);
      });
    });
    await new Promise<void>((resolve) => lab.listen(0, '127.0.0.1', resolve));
    const labUrl = `http://127.0.0.1:${(lab.address() as AddressInfo).port}/`;
    front = http.createServer((request, response) =>
      proxy(request, response, labUrl, request.url ?? '/'),
    );
    await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
    frontUrl = `http://127.0.0.1:${(front.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    lab.closeAllConnections();
    front.closeAllConnections();
    await Promise.all([
      new Promise((resolve) => lab.close(resolve)),
      new Promise((resolve) => front.close(resolve)),
    ]);
    http.globalAgent.destroy();
  });

  it('sends a GET again when the kept-alive connection it met had just been closed', async () => {
    for (const path of ['/lab/assets/dashboard.js', '/lab/assets/tasks.js']) {
      const answer = await fetch(`${frontUrl}${path}`);
      expect(answer.status).toBe(200);
      expect(await answer.text()).toBe(`GET ${path}`);
    }
    // The second request did meet the closed connection, and was answered all the same.
    expect(hungUp).toEqual(['GET /lab/assets/tasks.js']);
  });

  it('answers 502 with the reason when a request with a body meets it', async () => {
    hungUp.length = 0;
    // From a new connection, which the stand-in answers once before it hangs up on its reuse.
    http.globalAgent.destroy();
    const first = await fetch(`${frontUrl}/lab/config`, { method: 'POST', body: '{"a":1}' });
    expect(first.status).toBe(200);
    const second = await fetch(`${frontUrl}/lab/config`, { method: 'POST', body: '{"a":2}' });
    expect(second.status).toBe(502);
    expect(((await second.json()) as { error: string }).error).toMatch(/^The lab did not answer: /);
    expect(hungUp).toEqual(['POST /lab/config']);
  });
});
