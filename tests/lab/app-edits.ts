/**
 * The edits that whatever watches an app folder must notice, the unit test of FolderWatcher and
 * the lab's own rollouts alike: the edits a learner makes, in the order they make them.
 */
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Edits `server.js` in `folder`, adds `helper.js`, then edits that new file, awaiting
 * `noticed()` after each; it should wait until the edit was seen and fail if it never is. The
 * new file's own watch starts a moment after it appears, hence `pauseMs` before its edit.
 */
export async function editLikeALearner(
  folder: string,
  noticed: () => Promise<void>,
  pauseMs: number,
): Promise<void> {
  fs.appendFileSync(path.join(folder, 'server.js'), '// edited\n');
  await noticed();
  fs.writeFileSync(path.join(folder, 'helper.js'), 'module.exports = 1;\n');
  await noticed();
  await sleep(pauseMs);
  fs.appendFileSync(path.join(folder, 'helper.js'), '// edited\n');
  await noticed();
}
