// What keys and names the local lab's pre-built bundles (sandboxes/platform/bundles.ts): the key
// follows the lock and the bundler, LAB_BUNDLES is read strictly, and the preload's bundle, which
// is keyed by the platform folder's own files, imports nothing from anywhere else.
import { build } from 'esbuild';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { bundleKey, bundleKinds } from '../../sandboxes/platform/bundles.ts';
import { root } from './harness.ts';

describe('pre-built bundles', () => {
  it('are keyed by the lock and by the code that builds them', () => {
    expect(bundleKey('lock A', ['bundler'])).toBe(bundleKey('lock A', ['bundler']));
    expect(bundleKey('lock A', ['bundler'])).not.toBe(bundleKey('lock B', ['bundler']));
    expect(bundleKey('lock A', ['bundler'])).not.toBe(bundleKey('lock A', ['bundler, edited']));
  });

  it('are the ones LAB_BUNDLES names, and an unknown name is refused with the ones allowed', () => {
    expect([...bundleKinds(undefined)]).toEqual(['dependencies', 'preload']);
    expect([...bundleKinds('')]).toEqual(['dependencies', 'preload']);
    expect([...bundleKinds('0')]).toEqual([]);
    expect([...bundleKinds('dependencies')]).toEqual(['dependencies']);
    vi.stubEnv('LAB_LANG', 'en');
    expect(() => bundleKinds('dependencies,everything')).toThrow(
      /"everything" is not a kind of bundle; use 0, or some of dependencies, preload/,
    );
    vi.stubEnv('LAB_LANG', 'fr');
    expect(() => bundleKinds('everything')).toThrow(/« everything » n'est pas une sorte de paquet/);
    vi.unstubAllEnvs();
  });

  it("hold a preload built only from the platform folder's own files, which key it", async () => {
    const platform = path.join(root, 'sandboxes/platform');
    const result = await build({
      entryPoints: [path.join(platform, 'instance-preload.ts')],
      bundle: true,
      platform: 'node',
      format: 'esm',
      write: false,
      metafile: true,
      logLevel: 'silent',
    });
    const inputs = Object.keys(result.metafile.inputs).map((input) => path.resolve(root, input));
    expect(inputs).toContain(path.join(platform, 'bundle-hooks.ts'));
    for (const input of inputs) expect(path.dirname(input)).toBe(platform);
  });
});
