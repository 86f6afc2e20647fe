import fs from 'node:fs';
import { gzipSync } from 'node:zlib';
import { listScenarios, RECORDING_LANGS, recordingFile } from '../sandboxes/labs/scenario-model.ts';

/**
 * The weight of each recording a page downloads where no lab can run, in each language (a page
 * loads its own language's only): its raw size and its size gzipped (as a static host serves
 * it), in bytes, one `name value` line each; then the heaviest
 * gzipped. A recording that is missing is said on stderr and fails the bench: run npm run record.
 */
let heaviest = 0;
let missing = 0;
for (const scenario of listScenarios()) {
  for (const lang of RECORDING_LANGS) {
    const file = recordingFile(scenario.lab, scenario.id, lang);
    if (!fs.existsSync(file)) {
      console.error(
        `recordings: no recording for "${scenario.id}" in ${lang}; run npm run record -- ${scenario.id}`,
      );
      missing += 1;
      continue;
    }
    const text = fs.readFileSync(file);
    const gzip = gzipSync(text, { level: 9 }).length;
    heaviest = Math.max(heaviest, gzip);
    console.log(`recording_${scenario.id}_${lang}_bytes ${text.length}`);
    console.log(`recording_${scenario.id}_${lang}_gzip_bytes ${gzip}`);
  }
}
console.log(`recording_max_gzip_bytes ${heaviest}`);
if (missing > 0) process.exitCode = 1;
