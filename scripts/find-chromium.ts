import { existsSync, readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** What to tell someone who has no Chromium: one sentence, with the two ways out. */
export const CHROMIUM_MISSING =
  'No Chromium found: install one with `sudo apt-get install -y chromium` (or `npx playwright install chromium`), or set CHROMIUM_PATH to the browser executable.';

/** Where the system's package manager puts Chromium, in the order we prefer them. */
const SYSTEM_PATHS = ['/usr/bin/chromium', '/usr/bin/chromium-browser'];

/** The executable inside a Playwright browser folder; the folder was renamed over the years. */
const PLAYWRIGHT_EXECUTABLES = [
  ['chrome-linux64', 'chrome'],
  ['chrome-linux', 'chrome'],
];

/** What the finder reads from the machine, replaceable so that tests need no real browser. */
export interface FinderEnvironment {
  env: Record<string, string | undefined>;
  home: string;
  exists: (path: string) => boolean;
  list: (dir: string) => string[];
}

const machine: FinderEnvironment = {
  env: process.env,
  home: homedir(),
  exists: existsSync,
  list: (dir) => {
    try {
      return readdirSync(dir);
    } catch {
      return [];
    }
  },
};

/** Chromium executables in Playwright's own download cache, newest revision first. */
function playwrightCandidates({ env, home, list }: FinderEnvironment): string[] {
  const cache = env['PLAYWRIGHT_BROWSERS_PATH'] || join(home, '.cache', 'ms-playwright');
  const revisions = list(cache)
    .filter((name) => /^chromium-\d+$/.test(name))
    .sort((a, b) => Number(b.split('-')[1]) - Number(a.split('-')[1]));
  return revisions.flatMap((revision) =>
    PLAYWRIGHT_EXECUTABLES.map((parts) => join(cache, revision, ...parts)),
  );
}

/**
 * Finds a Chromium to drive: `CHROMIUM_PATH` first (an explicit choice wins), then Playwright's
 * cache, then the system package. Returns null when there is none.
 */
export function findChromium(machineView: FinderEnvironment = machine): string | null {
  const chosen = machineView.env['CHROMIUM_PATH'];
  const candidates = [
    ...(chosen ? [chosen] : []),
    ...playwrightCandidates(machineView),
    ...SYSTEM_PATHS,
  ];
  return candidates.find((path) => machineView.exists(path)) ?? null;
}

/** Chromium flags that work in containers and on CI, shared by the browser tests and the bench. */
export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

// Run as a script, it prints the path or the sentence above, so shell scripts can use it too.
if (import.meta.main) {
  const found = findChromium();
  if (found) console.log(found);
  else {
    console.error(CHROMIUM_MISSING);
    process.exitCode = 1;
  }
}
