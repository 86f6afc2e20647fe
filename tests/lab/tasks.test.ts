// The task runner's pieces that need no lab: which names are tasks (a real folder), and the
// watcher leaving `tasks/` alone in each of its three modes (real files, real fs.watch), so that
// editing a task rolls nothing out while editing the app still does.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  isTaskName,
  listTasks,
  taskFile,
  TASKS_FOLDER,
  UnknownTaskError,
} from '../../sandboxes/platform/tasks.ts';
import { FolderWatcher, type WatchMode } from '../../sandboxes/platform/watcher.ts';

describe('which names are tasks', () => {
  let appDir: string;
  beforeAll(() => {
    appDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lab-tasks-'));
    fs.writeFileSync(path.join(appDir, 'server.js'), '');
    fs.mkdirSync(path.join(appDir, 'tasks', 'shared'), { recursive: true });
    for (const name of ['count-sessions.js', 'add_first_seen.js', 'notes.txt', '.hidden.js']) {
      fs.writeFileSync(path.join(appDir, 'tasks', name), '');
    }
    fs.writeFileSync(path.join(appDir, 'tasks', 'shared', 'redis.js'), '');
  });
  afterAll(() => fs.rmSync(appDir, { recursive: true, force: true }));

  it('lists the .js files of tasks/ by name, sorted, without subfolders or dotfiles', () => {
    expect(listTasks(appDir)).toEqual(['add_first_seen', 'count-sessions']);
    expect(listTasks(path.join(appDir, 'nowhere'))).toEqual([]);
  });

  it('finds a task only by its plain name, never by a path', () => {
    expect(taskFile(appDir, 'count-sessions')).toBe(
      path.join(appDir, TASKS_FOLDER, 'count-sessions.js'),
    );
    for (const name of ['../server', 'shared/redis', 'count-sessions.js', '.hidden', '', 'a b']) {
      expect(isTaskName(name), name).toBe(false);
      expect(() => taskFile(appDir, name), name).toThrow(UnknownTaskError);
    }
    try {
      taskFile(appDir, 'server');
      expect.unreachable();
    } catch (error) {
      expect((error as UnknownTaskError).texts.en).toBe(
        'There is no task "server" (no tasks/server.js). The tasks are: add_first_seen, count-sessions.',
      );
    }
  });

  it('says what went wrong in both languages', () => {
    try {
      taskFile(appDir, '../server');
      expect.unreachable();
    } catch (error) {
      expect((error as UnknownTaskError).texts.fr).toContain(
        "« ../server » n'est pas un nom de tâche",
      );
      expect((error as UnknownTaskError).texts.en).toContain('"../server" is not a task\'s name');
    }
  });
});

describe.each(['per-file', 'recursive', 'polling'] as const)(
  'the watcher in %s mode',
  (mode: WatchMode) => {
    it('ignores tasks/ and still sees the app', async () => {
      const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'lab-watch-tasks-'));
      fs.writeFileSync(path.join(folder, 'server.js'), '// app\n');
      fs.mkdirSync(path.join(folder, 'tasks'));
      fs.writeFileSync(path.join(folder, 'tasks', 'count.js'), '// task\n');
      let changes = 0;
      const watcher = new FolderWatcher(
        folder,
        mode,
        { onChange: () => changes++ },
        { ignore: [TASKS_FOLDER] },
      );
      try {
        watcher.start();
        expect(watcher.state).toEqual({ mode, error: null });
        await sleep(100);
        fs.appendFileSync(path.join(folder, 'tasks', 'count.js'), '// edited\n');
        fs.writeFileSync(path.join(folder, 'tasks', 'new.js'), '// new\n');
        // Polling compares every 500 ms: give it two rounds to (not) see the task's edit.
        await sleep(1200);
        expect(changes).toBe(0);
        fs.appendFileSync(path.join(folder, 'server.js'), '// edited\n');
        const deadline = Date.now() + 3000;
        while (changes === 0 && Date.now() < deadline) await sleep(25);
        expect(changes).toBeGreaterThan(0);
      } finally {
        watcher.close();
        fs.rmSync(folder, { recursive: true, force: true });
      }
    });
  },
);
