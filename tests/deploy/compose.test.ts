// compose.yaml and the nginx configuration it mounts: three replicas of the app, Redis, a
// round-robin proxy, each with a health check.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { APP_PORT, deployDir } from './helpers.ts';

interface ComposeService {
  build?: { context: string; dockerfile: string };
  image?: string;
  command?: string[];
  deploy?: { replicas?: number };
  environment?: Record<string, string>;
  env_file?: ({ path: string; required?: boolean } | string)[];
  healthcheck?: { test: string[] };
  ports?: string[];
  volumes?: string[];
  depends_on?: string[];
}

const compose = parse(fs.readFileSync(path.join(deployDir, 'compose.yaml'), 'utf8')) as {
  services: Record<string, ComposeService>;
};
const { app, redis, proxy } = compose.services;
const nginxConf = path.join(deployDir, 'nginx.conf');

describe('compose.yaml', () => {
  it('names the app, Redis and a proxy', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['app', 'proxy', 'redis']);
  });

  it('runs three replicas of the app, built from the Dockerfile', () => {
    expect(app?.deploy?.replicas).toBe(3);
    expect(app?.build?.dockerfile).toBe('deploy/Dockerfile');
    expect(fs.existsSync(path.join(deployDir, app!.build!.context, app!.build!.dockerfile))).toBe(
      true,
    );
    // A published port on a replicated service would clash; only the proxy publishes one.
    expect(app?.ports).toBeUndefined();
    expect(proxy?.ports).toEqual([`${APP_PORT}:8080`]);
  });

  it('keeps sessions in Redis, with the secret read from a file kept out of Git', () => {
    expect(app?.environment).toMatchObject({
      PORT: String(APP_PORT),
      SESSION_STORE: 'redis',
      REDIS_URL: 'redis://redis:6379',
    });
    expect(app?.environment?.['SESSION_SECRET']).toBeUndefined();
    expect(app?.env_file).toEqual([{ path: 'session.env', required: true }]);
    expect(fs.readFileSync(path.join(deployDir, '.gitignore'), 'utf8')).toMatch(/^session\.env$/m);
    expect(fs.readFileSync(path.join(deployDir, 'session.env.example'), 'utf8')).toMatch(
      /^SESSION_SECRET=/m,
    );
  });

  it('gives every service a health check, the app on /healthz', () => {
    for (const [name, service] of Object.entries(compose.services)) {
      expect(service.healthcheck?.test[0], name).toBe('CMD');
    }
    expect(app!.healthcheck!.test.join(' ')).toContain(`127.0.0.1:${APP_PORT}/healthz`);
    expect(redis!.healthcheck!.test).toEqual(['CMD', 'redis-cli', 'ping']);
  });

  it('still makes node the main process of each replica, with no process manager', () => {
    // The shell only copies the hostname, then `exec` hands its process over to node.
    expect(app?.command?.at(-1)).toMatch(/exec node server\.js$/);
    expect(JSON.stringify(compose)).not.toMatch(/\b(pm2|forever|supervisord|nodemon)\b/i);
  });

  it('mounts the nginx configuration into the proxy', () => {
    expect(proxy?.volumes).toContain('./nginx.conf:/etc/nginx/nginx.conf:ro');
  });
});

describe('nginx.conf', () => {
  // The directives only: the comments are free to name what the file does not do.
  const text = fs
    .readFileSync(nginxConf, 'utf8')
    .split('\n')
    .filter((line) => !line.trim().startsWith('#'))
    .join('\n');

  it('hands requests to the app replicas in turn, with no stickiness', () => {
    expect(text).toMatch(/set \$app_upstream app:8080;/);
    expect(text).toMatch(/proxy_pass http:\/\/\$app_upstream;/);
    expect(text).not.toMatch(/\b(ip_hash|hash|sticky)\b/);
    expect(text).toMatch(/location = \/proxy-health/);
  });

  // A real check when nginx is installed (Debian: apt-get install nginx-light).
  const nginx = spawnSync('nginx', ['-v']);
  it.skipIf(nginx.error !== undefined || nginx.status !== 0)('passes nginx -t', () => {
    // nginx opens /dev/stderr for its log, which cannot be a socket: hand it a file instead of
    // the pipe Node would give it.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nginx-t-'));
    const output = fs.openSync(path.join(dir, 'output'), 'w+');
    try {
      const result = spawnSync('nginx', ['-t', '-c', nginxConf], {
        stdio: ['ignore', output, output],
      });
      const printed = fs.readFileSync(path.join(dir, 'output'), 'utf8');
      expect(printed).toContain('test is successful');
      expect(result.status).toBe(0);
    } finally {
      fs.closeSync(output);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
