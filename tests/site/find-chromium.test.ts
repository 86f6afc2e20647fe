import { describe, expect, it } from 'vitest';
import {
  CHROMIUM_MISSING,
  findChromium,
  type FinderEnvironment,
} from '../../scripts/find-chromium.ts';

/** A machine where only the given files exist, with the given environment. */
function machineWith(files: string[], env: Record<string, string> = {}): FinderEnvironment {
  const all = new Set(files);
  return {
    env,
    home: '/home/learner',
    exists: (path) => all.has(path),
    list: (dir) => [
      ...new Set(
        files
          .filter((file) => file.startsWith(`${dir}/`))
          .map((file) => file.slice(dir.length + 1).split('/')[0]!),
      ),
    ],
  };
}

describe('findChromium', () => {
  it('prefers CHROMIUM_PATH over every other browser', () => {
    const machine = machineWith(['/opt/chrome', '/usr/bin/chromium'], {
      CHROMIUM_PATH: '/opt/chrome',
    });
    expect(findChromium(machine)).toBe('/opt/chrome');
  });

  it("takes the newest Chromium from Playwright's cache before the system one", () => {
    const cache = '/home/learner/.cache/ms-playwright';
    const machine = machineWith([
      `${cache}/chromium-1100/chrome-linux/chrome`,
      `${cache}/chromium-1200/chrome-linux64/chrome`,
      `${cache}/firefox-900/firefox/firefox`,
      '/usr/bin/chromium',
    ]);
    expect(findChromium(machine)).toBe(`${cache}/chromium-1200/chrome-linux64/chrome`);
  });

  it('follows PLAYWRIGHT_BROWSERS_PATH when it is set', () => {
    const machine = machineWith(['/ci/browsers/chromium-1300/chrome-linux64/chrome'], {
      PLAYWRIGHT_BROWSERS_PATH: '/ci/browsers',
    });
    expect(findChromium(machine)).toBe('/ci/browsers/chromium-1300/chrome-linux64/chrome');
  });

  it('falls back to the system package', () => {
    expect(findChromium(machineWith(['/usr/bin/chromium']))).toBe('/usr/bin/chromium');
  });

  it('skips a CHROMIUM_PATH that points nowhere', () => {
    const machine = machineWith(['/usr/bin/chromium'], { CHROMIUM_PATH: '/nowhere/chrome' });
    expect(findChromium(machine)).toBe('/usr/bin/chromium');
  });

  it('returns null when there is no browser, and the message says how to get one', () => {
    expect(findChromium(machineWith([]))).toBeNull();
    expect(CHROMIUM_MISSING).toMatch(/apt-get install -y chromium/);
    expect(CHROMIUM_MISSING).toMatch(/CHROMIUM_PATH/);
  });
});
