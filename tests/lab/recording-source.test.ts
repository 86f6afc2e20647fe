// The recording source's timing and stepping, on a real recording of the repository, with a
// clock the test moves by hand: frames arrive at their recorded pace (scaled by the speed), a step
// forward stops where the step is done, and going back shows exactly what the page showed then.
import { describe, expect, it } from 'vitest';
import {
  SPEEDS,
  nextStop,
  previousStop,
  recordingSource,
  scrubKeyTarget,
  stepEnds,
  stepIndexAt,
  type Clock,
  type Progress,
} from '../../sandboxes/platform/dashboard/assets/source-recording.js';
import {
  listScenarioIds,
  readRecording,
  RECORDING_LANGS,
  recordingFile,
  type Frame,
  type Recording,
} from '../../sandboxes/labs/scenario-model.ts';
import { listLabs } from '../../sandboxes/labs/lab-model.ts';
import fs from 'node:fs';

/** Every committed recording, in each language, read with the model's own reader. */
const recordings: Recording[] = listLabs().flatMap((lab) =>
  listScenarioIds(lab).flatMap((id) =>
    RECORDING_LANGS.filter((lang) => fs.existsSync(recordingFile(lab, id, lang))).map((lang) =>
      readRecording(lab, id, lang),
    ),
  ),
);

/** A clock whose time moves only when the test says, firing the timers that fall due in order. */
function manualClock(): Clock & { advance(ms: number): void } {
  let now = 0;
  let nextId = 0;
  const timers = new Map<number, { due: number; run: () => void }>();
  return {
    now: () => now,
    setTimer: (run, ms) => {
      nextId += 1;
      timers.set(nextId, { due: now + ms, run });
      return nextId;
    },
    clearTimer: (timer) => {
      timers.delete(timer as number);
    },
    advance(ms) {
      const end = now + ms;
      for (;;) {
        const due = [...timers.entries()]
          .filter(([, timer]) => timer.due <= end)
          .sort((a, b) => a[1].due - b[1].due)[0];
        if (!due) break;
        timers.delete(due[0]);
        now = due[1].due;
        due[1].run();
      }
      now = end;
    },
  };
}

/** A sink that keeps what it was given, as the page would show it. */
function recordingSink() {
  const shown: Frame[] = [];
  let resets = 0;
  return {
    shown,
    get resets() {
      return resets;
    },
    sink: {
      state: (state: Extract<Frame, { kind: 'state' }>['state']) =>
        shown.push({ at: -1, kind: 'state', state }),
      event: (event: Extract<Frame, { kind: 'event' }>['event']) =>
        shown.push({ at: -1, kind: 'event', event }),
      health: () => {},
      visit: (frame: Frame) => shown.push(frame),
      other: (frame: Frame) => shown.push(frame),
      reset: () => {
        resets += 1;
        shown.length = 0;
      },
    },
  };
}

/** The frames due by `at`, with states and events compared by their content only. */
function framesUpTo(recording: Recording, at: number): unknown[] {
  return recording.frames.filter((f) => f.at <= at).map(comparable);
}

function comparable(frame: Frame): unknown {
  if (frame.kind === 'state') return { kind: 'state', state: frame.state };
  if (frame.kind === 'event') return { kind: 'event', event: frame.event };
  return frame;
}

describe('the recording source', () => {
  it('has real recordings to play', () => {
    expect(recordings.length).toBeGreaterThan(0);
  });

  describe.each(recordings.map((r) => [`${r.scenario} (${r.lang})`, r] as const))(
    '%s',
    (_, recording) => {
      it('delivers the frames at their recorded pace, and faster at a higher speed', () => {
        const clock = manualClock();
        const seen = recordingSink();
        const source = recordingSource(recording, { clock });
        source.start(seen.sink);
        const half = Math.floor(recording.durationMs / 2);
        clock.advance(half);
        expect(seen.shown.map(comparable)).toEqual(framesUpTo(recording, half));
        // Twice the pace: the next quarter of real time plays half the rest of the recording.
        source.setSpeed(2);
        const quarter = Math.floor((recording.durationMs - half) / 4);
        clock.advance(quarter);
        expect(source.position).toBe(half + quarter * 2);
        expect(seen.shown.map(comparable)).toEqual(framesUpTo(recording, half + quarter * 2));
        clock.advance(recording.durationMs);
        expect(seen.shown.map(comparable)).toEqual(framesUpTo(recording, recording.durationMs));
        expect(source.playing).toBe(false);
        expect(seen.resets).toBe(0);
      });

      it('steps forward to the end of each step, and back to what the page showed then', () => {
        const clock = manualClock();
        const seen = recordingSink();
        const progress: Progress[] = [];
        const source = recordingSource(recording, { clock, onProgress: (p) => progress.push(p) });
        source.start(seen.sink);
        source.pause();
        const ends = stepEnds(recording);
        ends.forEach((end, index) => {
          source.stepForward();
          expect(source.playing).toBe(false);
          expect(source.position).toBe(end);
          expect(progress.at(-1)?.step).toBe(index);
          expect(seen.shown.map(comparable)).toEqual(framesUpTo(recording, end));
        });
        // Paused time shows nothing new.
        clock.advance(10_000);
        expect(seen.shown.map(comparable)).toEqual(framesUpTo(recording, recording.durationMs));
        for (let index = ends.length - 2; index >= 0; index -= 1) {
          source.stepBack();
          expect(source.position).toBe(ends[index]);
          expect(seen.shown.map(comparable)).toEqual(framesUpTo(recording, ends[index]!));
        }
        source.stepBack();
        expect(source.position).toBe(0);
        expect(seen.shown.map(comparable)).toEqual(framesUpTo(recording, 0));
        expect(seen.resets).toBeGreaterThan(0);
      });

      it('holds at the end of each step for the reader, then goes on at the recorded pace', () => {
        const clock = manualClock();
        const seen = recordingSink();
        const hold = 1000;
        const source = recordingSource(recording, { clock, holdMs: () => hold });
        source.start(seen.sink);
        const ends = stepEnds(recording);
        let elapsed = 0;
        let from = 0;
        ends.slice(0, -1).forEach((end) => {
          // Up to the step's end at the recorded pace, then still for the whole hold.
          clock.advance(end - from);
          elapsed += end - from;
          expect(source.position).toBe(end);
          clock.advance(hold - 1);
          expect(source.position).toBe(end);
          expect(source.playing).toBe(true);
          expect(seen.shown.map(comparable)).toEqual(framesUpTo(recording, end));
          clock.advance(1);
          from = end;
        });
        clock.advance(recording.durationMs - from);
        expect(elapsed).toBe(ends.at(-2) ?? 0);
        expect(source.position).toBe(recording.durationMs);
        expect(source.playing).toBe(false);
        expect(seen.shown.map(comparable)).toEqual(framesUpTo(recording, recording.durationMs));
      });

      it('seeks anywhere, and plays again from the start once it has ended', () => {
        const clock = manualClock();
        const seen = recordingSink();
        const source = recordingSource(recording, { clock });
        source.start(seen.sink);
        clock.advance(recording.durationMs + 1);
        expect(source.playing).toBe(false);
        const third = Math.floor(recording.durationMs / 3);
        source.seek(third);
        expect(seen.shown.map(comparable)).toEqual(framesUpTo(recording, third));
        source.play();
        clock.advance(recording.durationMs);
        source.play();
        expect(source.playing).toBe(true);
        expect(source.position).toBe(0);
        expect(seen.shown.map(comparable)).toEqual(framesUpTo(recording, 0));
        source.stop();
      });
    },
  );

  it('knows where each step ends, and where next and previous go', () => {
    const recording = recordings[0]!;
    const ends = stepEnds(recording);
    expect(ends).toHaveLength(recording.steps.length);
    expect(ends.at(-1)).toBe(recording.durationMs);
    recording.steps.forEach((step, index) => {
      expect(stepIndexAt(recording, step.at)).toBe(index);
      expect(stepIndexAt(recording, ends[index]!)).toBe(index);
    });
    expect(nextStop(recording, 0)).toBe(ends[0]);
    expect(nextStop(recording, ends[0]!)).toBe(ends[1] ?? recording.durationMs);
    expect(previousStop(recording, ends[0]!)).toBe(0);
    expect(SPEEDS).toEqual([0.5, 1, 1.5, 2, 4]);
  });

  // CI caught it: paused 87 ms in, on a scrubber whose stops are 300 ms apart, the thumb showed 0,
  // so the browser's Home changed nothing and the recording stayed at 87 ms.
  it('moves the scrubber by key from the real position, and every key moves something', () => {
    const to = (key: string, ms: number) => scrubKeyTarget(key, ms, 300, 10_000);
    expect(to('Home', 87)).toBe(0);
    expect(to('End', 87)).toBe(10_000);
    // 87 ms shows as the stop at 0: back is the start itself, forward the next stop.
    expect(to('ArrowLeft', 87)).toBe(0);
    expect(to('ArrowDown', 87)).toBe(0);
    expect(to('ArrowRight', 87)).toBe(300);
    expect(to('ArrowUp', 87)).toBe(300);
    // Just past a stop or just before one, an arrow still moves the thumb by one stop, from the
    // stop it shows (453 ms shows as 600, so back goes to 300), never a key that moves nothing.
    const stop = (ms: number) => Math.round(ms / 300);
    for (const ms of [453, 600, 600.0001, 749, 140]) {
      expect(stop(to('ArrowLeft', ms)!)).toBe(Math.max(0, stop(ms) - 1));
      expect(stop(to('ArrowRight', ms)!)).toBe(stop(ms) + 1);
    }
    expect(to('ArrowLeft', 600)).toBe(300);
    expect(to('ArrowRight', 600)).toBe(900);
    // Never before the start or past the end.
    expect(to('ArrowLeft', 0)).toBe(0);
    expect(to('ArrowRight', 9_950)).toBe(10_000);
    // Page Up and Down: a tenth of the stops (34 here, so 3), from the one shown.
    expect(to('PageDown', 99)).toBe(0);
    expect(to('PageUp', 99)).toBe(900);
    expect(to('PageDown', 3_000)).toBe(2_100);
    expect(to('PageUp', 9_800)).toBe(10_000);
    // Other keys (Tab, a letter) are the browser's.
    expect(to('Tab', 87)).toBeNull();
    expect(to('a', 87)).toBeNull();
  });
});
