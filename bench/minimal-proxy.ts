// The least a reverse proxy can do, as an anchor for the classroom benchmark: round-robin over
// the instances' ports, kept-alive connections to them, the request and the answer piped through
// untouched. What the lab's balancer costs beyond this is its own work.
//   node bench/minimal-proxy.ts <port> [<port>…]   prints {"port":N} once it listens
import http from 'node:http';

const ports = process.argv.slice(2).map(Number);
const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
let next = 0;

// The request is passed on once it has all arrived (a visit has no body), so that a kept-alive
// connection the instance closed just as it was reused can be retried, as any proxy does.
function forward(
  request: http.IncomingMessage,
  response: http.ServerResponse,
  body: Buffer,
  retried = false,
): void {
  next = (next + 1) % ports.length;
  const upstream = http.request(
    {
      host: '127.0.0.1',
      port: ports[next],
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
  upstream.on('error', (error: NodeJS.ErrnoException) => {
    if (!retried && upstream.reusedSocket && error.code === 'ECONNRESET') {
      forward(request, response, body, true);
      return;
    }
    if (!response.headersSent) response.writeHead(502);
    response.end();
  });
  upstream.end(body);
}

const server = http.createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => forward(request, response, Buffer.concat(chunks)));
});
server.keepAliveTimeout = 65_000;
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  if (address && typeof address === 'object') {
    process.stdout.write(`${JSON.stringify({ port: address.port })}\n`);
  }
});
process.on('SIGTERM', () => process.exit(0));
