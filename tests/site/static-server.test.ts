// The static server the browser tests and the site benchmark use, as a host serves a build:
// plain by default, and compressed with extra headers when asked, as Vercel and the like do.
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveStatic, type ServedSite } from '../../scripts/static-server.ts';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'static-server-'));
const page = '<!doctype html><title>t</title>' + '<p>factor six</p>'.repeat(200);
const image = Buffer.from([0x89, 0x50, 0x4e, 0x47, 1, 2, 3, 4]);
let plain: ServedSite;
let hosted: ServedSite;

beforeAll(async () => {
  fs.mkdirSync(path.join(root, 'fr'));
  fs.writeFileSync(path.join(root, 'fr/index.html'), page);
  fs.writeFileSync(path.join(root, 'logo.png'), image);
  fs.writeFileSync(path.join(root, '404.html'), '<p>nowhere</p>');
  plain = await serveStatic(root);
  hosted = await serveStatic(root, {
    compress: true,
    headers: { 'Cross-Origin-Opener-Policy': 'same-origin' },
  });
});

afterAll(async () => {
  await Promise.all([plain.close(), hosted.close()]);
  fs.rmSync(root, { recursive: true, force: true });
});

// fetch() would decompress by itself: node:http shows the bytes as they travel.
function get(
  origin: string,
  pathname: string,
  encoding: string,
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    http
      .get(`${origin}${pathname}`, { headers: { 'accept-encoding': encoding } }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            body: Buffer.concat(chunks),
          }),
        );
      })
      .on('error', reject);
  });
}

describe('the static server', () => {
  it('sends files as they are by default, with no header of its own', async () => {
    const answer = await get(plain.origin, '/fr/', 'gzip, deflate, br');
    expect(answer.headers['content-encoding']).toBeUndefined();
    expect(answer.headers['cross-origin-opener-policy']).toBeUndefined();
    expect(answer.body.toString()).toBe(page);
  });

  it('compresses text with Brotli when accepted, else gzip, and sends the extra headers', async () => {
    const br = await get(hosted.origin, '/fr/', 'gzip, deflate, br');
    expect(br.headers['content-encoding']).toBe('br');
    expect(br.headers['vary']).toBe('Accept-Encoding');
    expect(br.headers['cross-origin-opener-policy']).toBe('same-origin');
    expect(br.body.length).toBeLessThan(page.length / 4);
    expect(brotliDecompressSync(br.body).toString()).toBe(page);

    const gzip = await get(hosted.origin, '/fr/', 'gzip');
    expect(gzip.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gzip.body).toString()).toBe(page);
  });

  it('sends text plain to a browser that accepts no compression, and images as they are', async () => {
    const identity = await get(hosted.origin, '/fr/', 'identity');
    expect(identity.headers['content-encoding']).toBeUndefined();
    expect(identity.body.toString()).toBe(page);
    const png = await get(hosted.origin, '/logo.png', 'br');
    expect(png.headers['content-encoding']).toBeUndefined();
    expect(png.body.equals(image)).toBe(true);
  });

  it('answers a missing file with the build 404 page, compressed too', async () => {
    const missing = await get(hosted.origin, '/nowhere/', 'gzip');
    expect(missing.status).toBe(404);
    expect(gunzipSync(missing.body).toString()).toBe('<p>nowhere</p>');
  });
});
