/** The output log every runtime and the local lab host keep: limit, replay, lines. */
import { describe, expect, it } from 'vitest';
import { LineSplitter, OutputLog, lastLines } from '../../src/sandbox/output-log.ts';

describe('OutputLog', () => {
  it('keeps the newest output within its limit, dropping the oldest chunks first', () => {
    const log = new OutputLog(10);
    log.append('aaaa');
    log.append('bbbb');
    log.append('cccc');
    expect(log.text()).toBe('bbbbcccc');
    // A chunk larger than the limit on its own keeps only its end.
    log.append('0123456789xyz');
    expect(log.text()).toBe('3456789xyz');
  });

  it('replays what it kept to a late listener as one chunk, unless told not to', () => {
    const log = new OutputLog();
    log.append('one\n');
    log.append('two\n');
    const replayed: string[] = [];
    const live: string[] = [];
    log.onChunk((chunk) => replayed.push(chunk));
    const unsubscribe = log.onChunk((chunk) => live.push(chunk), { replay: false });
    log.append('three\n');
    unsubscribe();
    log.append('four\n');
    expect(replayed).toEqual(['one\ntwo\n', 'three\n', 'four\n']);
    expect(live).toEqual(['three\n']);
  });

  it('hands whole lines to line listeners, without colours or carriage returns', () => {
    const log = new OutputLog();
    const lines: string[] = [];
    log.onLine((line) => lines.push(line));
    log.append('\u001b[32mLab ready\u001b[0m at x\r\nself-test: wat');
    expect(lines).toEqual(['Lab ready at x']);
    log.append('cher ok: recursive\r\n');
    expect(lines).toEqual(['Lab ready at x', 'self-test: watcher ok: recursive']);
  });

  it('starts afresh on clear(), an unfinished line included, and keeps going past a broken listener', () => {
    const log = new OutputLog();
    const lines: string[] = [];
    log.onChunk(() => {
      throw new Error('a terminal that is gone');
    });
    log.onLine((line) => lines.push(line));
    log.append('old run, unfinished');
    log.clear();
    log.append('new run\n');
    expect(log.text()).toBe('new run\n');
    expect(lines).toEqual(['new run']);
  });
});

describe('lastLines and LineSplitter', () => {
  it('quotes the last non-empty lines of some output', () => {
    expect(lastLines('a\r\n\r\nb\nc\n', 2)).toBe('b\nc');
  });

  it('keeps an unfinished line for the next chunk', () => {
    const lines = new LineSplitter();
    expect(lines.push('a\nb')).toEqual(['a']);
    expect(lines.push('c\r\nd')).toEqual(['bc']);
  });
});
