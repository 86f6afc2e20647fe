// The app's Dockerfile: one unprivileged node process, a health check on liveness, no supervisor.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { APP_PORT, deployDir, execForm, parseDockerfile } from './helpers.ts';

const text = fs.readFileSync(path.join(deployDir, 'Dockerfile'), 'utf8');
const instructions = parseDockerfile(text);
const keywords = instructions.map((instruction) => instruction.keyword);
const last = (keyword: string) => instructions.findLast((item) => item.keyword === keyword);

describe('the Dockerfile parser', () => {
  it('joins continued lines and skips comments', () => {
    const parsed = parseDockerfile(
      '# a comment\nFROM node:24\nRUN a \\\n  # inside\n  && b\n\ncmd ["x"]\n',
    );
    expect(parsed).toEqual([
      { keyword: 'FROM', args: 'node:24', line: 2 },
      { keyword: 'RUN', args: 'a && b', line: 3 },
      { keyword: 'CMD', args: '["x"]', line: 7 },
    ]);
  });

  it('tells the exec form from the shell form', () => {
    expect(execForm('["node", "server.js"]')).toEqual(['node', 'server.js']);
    expect(execForm('node server.js')).toBeNull();
  });
});

describe('the app Dockerfile', () => {
  it('reads as known instructions, starting from an official Node image', () => {
    const known = new Set([
      'FROM',
      'ENV',
      'WORKDIR',
      'COPY',
      'RUN',
      'USER',
      'EXPOSE',
      'HEALTHCHECK',
      'STOPSIGNAL',
      'CMD',
      'ARG',
      'LABEL',
    ]);
    expect(keywords.filter((keyword) => !known.has(keyword))).toEqual([]);
    expect(instructions[0]).toMatchObject({ keyword: 'FROM' });
    expect(instructions[0]!.args).toMatch(/^node:\d+/);
  });

  it('installs only the runtime dependencies, exactly as locked', () => {
    const install = instructions.filter(
      (item) => item.keyword === 'RUN' && /\bnpm\b/.test(item.args),
    );
    expect(install).toHaveLength(1);
    expect(install[0]!.args).toMatch(/npm ci\b.*--omit=dev/);
    const copies = instructions.filter((item) => item.keyword === 'COPY').map((item) => item.args);
    expect(copies).toContain('deploy/package.json deploy/package-lock.json ./');
  });

  it('switches to a non-root user before the command', () => {
    const user = last('USER');
    expect(user?.args).toBeDefined();
    expect(['root', '0', '0:0']).not.toContain(user!.args.trim());
    expect(user!.line).toBeLessThan(last('CMD')!.line);
    // Nothing after USER runs as root again.
    expect(instructions.filter((item) => item.keyword === 'USER')).toHaveLength(1);
  });

  it('starts node itself, in exec form, with no process manager', () => {
    expect(execForm(last('CMD')!.args)).toEqual(['node', 'server.js']);
    expect(keywords).not.toContain('ENTRYPOINT');
    // Comments may name pm2 to say it is not there; the instructions must not use it.
    const everything = instructions.map((item) => item.args).join('\n');
    expect(everything).not.toMatch(/\b(pm2|forever|supervisord|nodemon)\b/i);
  });

  it('is stopped with SIGTERM', () => {
    expect(last('STOPSIGNAL')?.args).toBe('SIGTERM');
  });

  it('checks liveness on /healthz, on the port taken from PORT', () => {
    const healthcheck = last('HEALTHCHECK')!.args;
    const command = execForm(healthcheck.slice(healthcheck.indexOf('CMD') + 3).trim());
    expect(command?.[0]).toBe('node');
    expect(command?.join(' ')).toContain('/healthz');
    expect(command?.join(' ')).toContain('process.env.PORT');
    expect(command?.join(' ')).not.toContain('/readyz');
  });

  it('sets PORT to the exposed port, and listens on every interface', () => {
    const env = instructions.filter((item) => item.keyword === 'ENV').map((item) => item.args);
    expect(env).toContain(`PORT=${APP_PORT}`);
    expect(env).toContain('HOST=0.0.0.0');
    expect(last('EXPOSE')?.args).toBe(String(APP_PORT));
  });

  it('sends no node_modules and no secret into the build', () => {
    const ignore = fs.readFileSync(path.join(deployDir, 'Dockerfile.dockerignore'), 'utf8');
    expect(ignore).toMatch(/^\*\*\/node_modules$/m);
    expect(ignore).toMatch(/^deploy\/session\.env$/m);
  });
});
