import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderDashboard } from '../../sandboxes/platform/dashboard/page.ts';
import { listLabs } from '../../sandboxes/labs/lab-model.ts';
import {
  listScenarioIds,
  readScenario,
  RECORDING_LANGS,
  recordingFile,
} from '../../sandboxes/labs/scenario-model.ts';
import type { LabLanguage } from '../../sandboxes/platform/types.ts';

/**
 * The files that let a recording play on the site itself, with no lab behind it: the dashboard's
 * page in both languages, its assets, and every recorded scenario with its recording, under
 * `/labs/`:
 *
 *   /labs/dashboard/fr.html, /labs/dashboard/en.html   the dashboard with its player
 *   /labs/dashboard/lab/assets/<file>                  its modules and styles, as a lab serves them
 *   /labs/recordings/<id>.<lang>.json                  a recording in French or English
 *                                                      (sandboxes/labs/<lab>/recordings/)
 *   /labs/scenarios/<id>.json                          its scenario, for the steps and captions
 *
 * Each language's page plays the recording of its own language, a run in which the lab spoke
 * it: the French page fetches `<id>.fr.json`, the English one `<id>.en.json`.
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

/** Every scenario that has a recording in both languages: its id and its lab. */
function recorded(): { lab: string; id: string }[] {
  // A scenario recorded in one language only is left out, rather than played on one page and
  // missing on the other; the recordings' tests say which is missing.
  return listLabs().flatMap((lab) =>
    listScenarioIds(lab)
      .filter((id) => RECORDING_LANGS.every((lang) => fs.existsSync(recordingFile(lab, id, lang))))
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
  const scenario = /^\/labs\/scenarios\/([a-z0-9-]+)\.json$/.exec(urlPath);
  if (scenario?.[1]) {
    const found = recorded().find((one) => one.id === scenario[1]);
    return found ? JSON.stringify(readScenario(found.lab, found.id)) : null;
  }
  const recording = /^\/labs\/recordings\/([a-z0-9-]+)\.(fr|en)\.json$/.exec(urlPath);
  if (recording?.[1] && recording[2]) {
    const found = recorded().find((one) => one.id === recording[1]);
    if (!found) return null;
    const lang: LabLanguage = recording[2] === 'en' ? 'en' : 'fr';
    // Written again without its indentation: a recording is read by the player, not by people.
    const text = fs.readFileSync(recordingFile(found.lab, found.id, lang), 'utf8');
    return JSON.stringify(JSON.parse(text));
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
    ...RECORDING_LANGS.map((lang) => `/labs/recordings/${id}.${lang}.json`),
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
