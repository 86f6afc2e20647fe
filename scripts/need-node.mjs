// The first thing every npm script runs, before any TypeScript: on an older Node, a `.ts` script
// dies with ERR_UNKNOWN_FILE_EXTENSION, which says nothing about the fix. This file is plain
// JavaScript that any Node can read, so it can say which Node the project needs and how to get it.
//
// The floor is the highest one among the scripts and the dependencies (keep it in step with
// `engines` in package.json): the scripts need type stripping without a flag (Node 22.18, 23.6),
// undici and Lighthouse need 22.19, eslint-plugin-astro 22.22.3 or 24.16 or 26.3, and Vitest
// skips the odd majors 23 and 25.
//   node scripts/need-node.mjs && node scripts/start.ts
// `npm run lab` imports it instead, as the first thing its entry does (scripts/lab.mjs): one Node
// start fewer before the lab, whose start is measured in tens of milliseconds.

/** The lowest release of each supported major; a major after the last one listed is supported. */
const FLOORS = [
  [22, 22, 3],
  [24, 16, 0],
  [26, 3, 0],
];

/** Whether a Node version such as "24.21.0" is one the project runs on. */
function isSupported(version) {
  const [major, minor, patch] = version.split('.').map(Number);
  const floor = FLOORS.find(([floorMajor]) => floorMajor === major);
  if (!floor) return major > FLOORS[FLOORS.length - 1][0];
  return minor > floor[1] || (minor === floor[1] && patch >= floor[2]);
}

const version = process.versions.node;
if (!isSupported(version)) {
  console.error(
    `Node ${version} est trop ancien pour ce projet, qui demande Node 22.22.3, 24.16 ou 26.3 au moins (Node 24 LTS conseillé) : lancez \`source scripts/use-node24.sh\` pour l'installer depuis le registre npm (ou prenez-le sur https://nodejs.org), puis recommencez.\n` +
      `Node ${version} is too old for this project, which needs at least Node 22.22.3, 24.16 or 26.3 (Node 24 LTS recommended): run \`source scripts/use-node24.sh\` to install it from the npm registry (or get it from https://nodejs.org), then try again.`,
  );
  process.exit(1);
}
