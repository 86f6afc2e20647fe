import type { AstroIntegration } from 'astro';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { listLabs } from '../../sandboxes/labs/lab-model.ts';
import { packageLab } from '../../sandboxes/pack.ts';
import { isolationHeaders } from '../utils/isolation.ts';
import { recordingFileType, recordingSiteFile, writeRecordingSite } from './recordings.ts';

/**
 * Makes the labs part of the site: each packaged lab is served at `/labs/{id}.json` (for the
 * WebContainer runtime; written into the build, built on demand in dev), and `/_labs/` is
 * proxied to the local runtime's host when `LAB_HOST_URL` names one (`npm start` does).
 */
export function labs(): AstroIntegration {
  const hostUrl = process.env['LAB_HOST_URL'];
  // Lab output and the dashboard's event stream are long-lived responses: no proxy timeout.
  // `xfwd` appends the client's address to X-Forwarded-For: every request reaches the lab host
  // from 127.0.0.1, and only the entry this proxy adds tells it who is really asking (a room's
  // phone may read the course, not write a lab's files).
  const proxy = hostUrl
    ? {
        '/_labs': {
          target: hostUrl,
          changeOrigin: false,
          xfwd: true,
          timeout: 0,
          proxyTimeout: 0,
        },
      }
    : undefined;
  return {
    name: 'course-labs',
    hooks: {
      'astro:config:setup': ({ updateConfig }) => {
        if (proxy) updateConfig({ vite: { server: { proxy }, preview: { proxy } } });
      },
      'astro:server:setup': ({ server }) => {
        // The recordings' dashboard, its assets and the recordings, as the build writes them.
        server.middlewares.use((request, response, next) => {
          const urlPath = new URL(request.url ?? '/', 'http://localhost').pathname;
          if (!urlPath.startsWith('/labs/')) return next();
          let content: string | null;
          try {
            content = recordingSiteFile(urlPath);
          } catch (error) {
            return next(error);
          }
          if (content === null) return next();
          // The recording's dashboard is framed by an isolated page: it must be isolated too.
          for (const [name, value] of Object.entries(isolationHeaders)) {
            response.setHeader(name, value);
          }
          response.setHeader('content-type', recordingFileType(urlPath));
          response.end(content);
        });
        server.middlewares.use((request, response, next) => {
          const match = /^\/labs\/([a-z0-9-]+)\.json$/.exec(request.url ?? '');
          if (!match?.[1] || !listLabs().includes(match[1])) return next();
          packageLab(match[1]).then(
            (tree) => {
              response.setHeader('content-type', 'application/json');
              response.end(JSON.stringify(tree));
            },
            (error: unknown) => next(error),
          );
        });
      },
      'astro:build:done': async ({ dir, logger }) => {
        const out = path.join(fileURLToPath(dir), 'labs');
        fs.mkdirSync(out, { recursive: true });
        for (const id of listLabs()) {
          const text = JSON.stringify(await packageLab(id));
          fs.writeFileSync(path.join(out, `${id}.json`), text);
          logger.info(`packaged lab ${id}: ${Math.round(text.length / 1024)} KB`);
        }
        // Recordings play on the site itself, where no lab runs (a phone, a static host).
        const written = writeRecordingSite(fileURLToPath(dir));
        const played = written.filter((file) => file.path.startsWith('/labs/recordings/'));
        logger.info(
          `recordings: ${played.length} (${played.map((file) => `${file.path} ${Math.round(file.bytes / 1024)} KB`).join(', ') || 'none'}), with the dashboard in fr and en`,
        );
      },
    },
  };
}
