import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderDashboard } from '../../sandboxes/platform/dashboard/page.ts';
import { listLabs } from '../../sandboxes/labs/lab-model.ts';
import {
  listScenarioIds,
  readScenario,
  recordingFile,
} from '../../sandboxes/labs/scenario-model.ts';

/**
 * The files that let a recording play on the site itself, with no lab behind it: the dashboard's
 * page in both languages, its assets, and every recorded scenario with its recording, under
 * `/labs/`:
 *
 *   /labs/dashboard/fr.html, /labs/dashboard/en.html   the dashboard with its player
 *   /labs/dashboard/lab/assets/<file>                  its modules and styles, as a lab serves them
 *   /labs/recordings/<id>.json                         a recording (sandboxes/labs/<lab>/recordings/)
 *   /labs/scenarios/<id>.json                          its scenario, for the steps and captions
 *
 * The dashboard's URLs are relative (`lab/assets/…`, `../recordings/…`), so the same files work
 * under any path prefix. The build writes them into `dist/`; `astro dev` serves them from here.
 */

const assetsDir = fileURLToPath(
  new URL('../../sandboxes/platform/dashboard/assets/', import.meta.url),
);

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
};

/** The content type of one of these files, by its name. */
export function recordingFileType(urlPath: string): string {
  return TYPES[path.extname(urlPath)] ?? 'application/octet-stream';
}

/** Every scenario that has a recording: its id and its lab. */
function recorded(): { lab: string; id: string }[] {
  return listLabs().flatMap((lab) =>
    listScenarioIds(lab)
      .filter((id) => fs.existsSync(recordingFile(lab, id)))
      .map((id) => ({ lab, id })),
  );
}

/**
 * The content of one of the files above, by its URL path, or null when there is no such file.
 * Read at each call, so that `astro dev` serves a recording as soon as `npm run record` writes it.
 */
export function recordingSiteFile(urlPath: string): string | null {
  const page = /^\/labs\/dashboard\/(fr|en)\.html$/.exec(urlPath);
  if (page?.[1]) return renderDashboard(page[1] === 'en' ? 'en' : 'fr', { recording: true });
  const asset = /^\/labs\/dashboard\/lab\/assets\/([a-z0-9-]+\.(?:js|css))$/.exec(urlPath);
  if (asset?.[1]) {
    const file = path.join(assetsDir, asset[1]);
    return fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : null;
  }
  const data = /^\/labs\/(recordings|scenarios)\/([a-z0-9-]+)\.json$/.exec(urlPath);
  if (data?.[1] && data[2]) {
    const found = recorded().find((one) => one.id === data[2]);
    if (!found) return null;
    if (data[1] === 'scenarios') return JSON.stringify(readScenario(found.lab, found.id));
    // Written again without its indentation: a recording is read by the player, not by people.
    return JSON.stringify(JSON.parse(fs.readFileSync(recordingFile(found.lab, found.id), 'utf8')));
  }
  return null;
}

/** The URL path of every file above, for the build to write. */
export function recordingSitePaths(): string[] {
  const assets = fs
    .readdirSync(assetsDir)
    .filter((name) => /^[a-z0-9-]+\.(?:js|css)$/.test(name))
    .map((name) => `/labs/dashboard/lab/assets/${name}`);
  const data = recorded().flatMap(({ id }) => [
    `/labs/recordings/${id}.json`,
    `/labs/scenarios/${id}.json`,
  ]);
  return ['/labs/dashboard/fr.html', '/labs/dashboard/en.html', ...assets, ...data];
}

/** Writes every file above into the build's folder `outDir`; returns their paths and sizes. */
export function writeRecordingSite(outDir: string): { path: string; bytes: number }[] {
  return recordingSitePaths().map((urlPath) => {
    const content = recordingSiteFile(urlPath);
    if (content === null) throw new Error(`${urlPath}: listed for the build but not found`);
    const file = path.join(outDir, ...urlPath.split('/').filter(Boolean));
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, content);
    return { path: urlPath, bytes: Buffer.byteLength(content) };
  });
}
