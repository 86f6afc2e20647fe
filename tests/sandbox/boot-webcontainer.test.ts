/**
 * bootWebContainer: one WebContainer per page, booted with the site's COEP. The library is
 * replaced by a fake, since the real one cannot boot here.
 */
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeWebContainer } from './fake-webcontainer.ts';

const boot = vi.hoisted(() => vi.fn<(options: unknown) => Promise<unknown>>());
vi.mock('@webcontainer/api', () => ({ WebContainer: { boot } }));

// A fresh module for each test, since the booted container is remembered at module level.
async function freshBoot() {
  vi.resetModules();
  const module = await import('../../src/sandbox/boot.ts');
  return module.bootWebContainer;
}

describe('bootWebContainer', () => {
  beforeEach(() => {
    boot.mockReset();
  });

  it('boots once per page, with the COEP the site sends', async () => {
    const container = new FakeWebContainer();
    boot.mockResolvedValue(container);
    const bootWebContainer = await freshBoot();
    const [first, second] = await Promise.all([bootWebContainer(), bootWebContainer()]);
    expect(first).toBe(second);
    expect(boot).toHaveBeenCalledTimes(1);
    expect(boot).toHaveBeenCalledWith({ coep: 'require-corp', workdirName: 'lab' });
  });

  it('hands out the real container: mounts, files and events reach it', async () => {
    const container = new FakeWebContainer();
    boot.mockResolvedValue(container);
    const handle = await (await freshBoot())();
    const tree = { 'a.js': { file: { contents: 'a' } } };
    await handle.mount(tree);
    await handle.fs.writeFile('a.js', 'b');
    const ports: number[] = [];
    handle.on('server-ready', (port) => ports.push(port));
    container.emit('server-ready', 3000, 'https://x.test/');
    expect(container.mounted[0]).toBe(tree);
    expect(container.files.get('a.js')).toBe('b');
    expect(ports).toEqual([3000]);
  });

  it('boots a new container after a teardown', async () => {
    const first = new FakeWebContainer();
    const second = new FakeWebContainer();
    boot.mockResolvedValueOnce(first).mockResolvedValueOnce(second);
    const bootWebContainer = await freshBoot();
    (await bootWebContainer()).teardown();
    expect(first.teardowns).toBe(1);
    await bootWebContainer();
    expect(boot).toHaveBeenCalledTimes(2);
  });

  it('tries again after a boot that failed, but keeps waiting on one that hangs', async () => {
    boot
      .mockRejectedValueOnce(new Error('iframe blocked'))
      .mockResolvedValueOnce(new FakeWebContainer());
    const bootWebContainer = await freshBoot();
    await expect(bootWebContainer()).rejects.toThrow('iframe blocked');
    await expect(bootWebContainer()).resolves.toBeDefined();
    expect(boot).toHaveBeenCalledTimes(2);

    boot.mockReset();
    boot.mockReturnValue(new Promise(() => {}));
    const hanging = await freshBoot();
    expect(hanging()).toBe(hanging());
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(boot).toHaveBeenCalledTimes(1);
  });
});
