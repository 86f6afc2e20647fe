// @ts-check
/**
 * The dashboard's third data source: a recording of a real run of the lab (made by
 * `npm run record` when the site was built), played back where no lab can run.
 *
 * It delivers the recorded frames at their recorded pace: whole states and events as the live
 * sources do, and the recorded visits' answers as if the learner had pressed Visit, so that the
 * session panel and the timeline fill exactly as they did in the real run. Nothing is computed
 * here: every state, count and instance id shown comes from a frame of the recording.
 *
 * The player on top of it can pause, change speed, seek anywhere and step by step of the
 * scenario. Seeking backwards cannot undo what the page shows, so the source asks its sink to
 * forget everything (`reset`) and delivers again, at once, every frame up to the new position.
 *
 * This module has no DOM and reads the time only through its clock, so that its timing and
 * stepping are tested in Node with a clock the test moves by hand.
 *
 * @typedef {import('../../../labs/scenario-model.ts').Recording} Recording
 * @typedef {import('../../../labs/scenario-model.ts').Frame} Frame
 * @typedef {import('../../../labs/scenario-model.ts').VisitFrame} VisitFrame
 * @typedef {import('./feed.js').Sink} Sink
 *
 * @typedef {object} RecordingSink what a recording delivers to, beyond a live source's sink
 * @property {(frame: VisitFrame) => void} visit one visit's answer, as the learner would have seen it
 * @property {(frame: Frame) => void} other an output line, a file's change or a check's results
 * @property {() => void} reset forget everything shown: the frames are delivered again from the start
 *
 * @typedef {object} Clock the time, and timers on it
 * @property {() => number} now milliseconds, from any origin
 * @property {(run: () => void, ms: number) => unknown} setTimer
 * @property {(timer: unknown) => void} clearTimer
 *
 * @typedef {object} Progress where the player is
 * @property {number} position milliseconds from the start of the recording
 * @property {number} duration the recording's length in milliseconds
 * @property {number} step index of the scenario's step under way (0 before the first)
 * @property {boolean} playing
 * @property {boolean} ended
 * @property {number} speed
 */

/** The speeds the player offers, slowest first; 1 is the recorded pace. */
export const SPEEDS = [0.5, 1, 1.5, 2, 4];

/** How often, at most, a playing recording reports its position, so that a scrubber moves smoothly. */
const PROGRESS_MS = 250;

/** @type {Clock} */
const realClock = {
  now: () => performance.now(),
  setTimer: (run, ms) => setTimeout(run, ms),
  clearTimer: (timer) => clearTimeout(/** @type {ReturnType<typeof setTimeout>} */ (timer)),
};

/**
 * The index of the step under way at `ms`: the last one that began at or before it, 0 before the first.
 * @param {Recording} recording
 * @param {number} ms
 */
export function stepIndexAt(recording, ms) {
  let index = 0;
  recording.steps.forEach((step, i) => {
    if (step.at <= ms) index = i;
  });
  return index;
}

/**
 * Where each step ends: just before the next one begins, the last at the recording's end. A step
 * forward stops there, so that it shows what the step did, with the step's own caption.
 * @param {Recording} recording
 * @returns {number[]}
 */
export function stepEnds(recording) {
  const { steps, durationMs } = recording;
  return steps.map((step, i) => {
    const next = steps[i + 1];
    return next === undefined ? durationMs : Math.max(step.at, next.at - 1);
  });
}

/**
 * Where a key pressed on the scrubber goes from `ms`, the recording's real position, or null for
 * a key the scrubber leaves to the browser. The scrubber's stops are every `stride` ms and its
 * thumb shows the stop nearest to the position; the browser's own handling moves from that stop
 * but seeks nowhere when the value it computes is the one shown (Home 87 ms in, on a thumb at 0,
 * did nothing). So Home goes to the start, End to the end, an arrow one stop from the thumb's
 * (the thumb always moves, or the recording goes back to the start), Page Up and Page Down a
 * tenth of the way, in whole stops, as a browser's range input does.
 * @param {string} key a KeyboardEvent's `key`
 * @param {number} ms
 * @param {number} stride
 * @param {number} duration
 * @returns {number | null}
 */
export function scrubKeyTarget(key, ms, stride, duration) {
  const shown = Math.round(ms / stride);
  const lastStop = Math.ceil(duration / stride);
  const page = Math.max(1, Math.round(lastStop / 10));
  /** @param {number} stops */
  const by = (stops) => Math.max(0, Math.min(duration, (shown + stops) * stride));
  switch (key) {
    case 'Home':
      return 0;
    case 'End':
      return duration;
    case 'ArrowLeft':
    case 'ArrowDown':
      return by(-1);
    case 'ArrowRight':
    case 'ArrowUp':
      return by(1);
    case 'PageDown':
      return by(-page);
    case 'PageUp':
      return by(page);
    default:
      return null;
  }
}

/**
 * Where "next step" goes from `ms`: the end of the step under way, or, when already there, the end of the next.
 * @param {Recording} recording
 * @param {number} ms
 */
export function nextStop(recording, ms) {
  const ends = stepEnds(recording);
  return ends.find((end) => end > ms) ?? recording.durationMs;
}

/**
 * Where "previous step" goes from `ms`: the last step's end before it (the page as it was when
 * that step was done), or the start.
 * @param {Recording} recording
 * @param {number} ms
 */
export function previousStop(recording, ms) {
  const before = stepEnds(recording).filter((end) => end < ms);
  return before.length === 0 ? 0 : /** @type {number} */ (before[before.length - 1]);
}

/**
 * A recording as a data source, with the controls of a player.
 * @param {Recording} recording
 * @param {{ clock?: Clock, onProgress?: (progress: Progress) => void,
 *   holdMs?: (step: number) => number }} [options]
 *   `holdMs`: how long playing holds at the end of each step but the last, at 1×, so that its
 *   caption can be read before the next step begins; none by default
 */
export function recordingSource(
  recording,
  { clock = realClock, onProgress = () => {}, holdMs = () => 0 } = {},
) {
  const { frames } = recording;
  const duration = recording.durationMs;
  const ends = stepEnds(recording);
  /** The last step whose end playing has held at, or passed by a seek; -1 for none. */
  let heldUpTo = -1;
  /** While playing holds at a step's end: the clock's time when it goes on; null otherwise. */
  /** @type {number | null} */
  let holdUntil = null;
  /** @type {(Sink & RecordingSink) | null} */
  let sink = null;
  /** How many frames have been delivered since the last reset. */
  let next = 0;
  let speed = 1;
  let playing = false;
  /** Where the recording was, and when, at the last play, pause, seek or change of speed. */
  let anchorPosition = 0;
  let anchorTime = 0;
  /** @type {unknown} */
  let timer = null;

  function position() {
    if (!playing || holdUntil !== null) return anchorPosition;
    return Math.min(duration, anchorPosition + (clock.now() - anchorTime) * speed);
  }

  /** Counts every step end at or before `at` as passed: playing from there holds at the next. @param {number} at */
  function passEndsUpTo(at) {
    holdUntil = null;
    heldUpTo = -1;
    ends.forEach((end, i) => {
      if (end <= at) heldUpTo = i;
    });
  }

  /** @param {number} at */
  function setAnchor(at) {
    anchorPosition = at;
    anchorTime = clock.now();
  }

  /** @param {Frame} frame */
  function deliver(frame) {
    if (!sink) return;
    if (frame.kind === 'state') sink.state(frame.state);
    else if (frame.kind === 'event') sink.event(frame.event);
    else if (frame.kind === 'visit') sink.visit(frame);
    else sink.other(frame);
  }

  /** Delivers every frame due at `at`, forgetting first what lies beyond it. @param {number} at */
  function deliverUpTo(at) {
    const shown = frames[next - 1];
    if (shown !== undefined && shown.at > at) {
      sink?.reset();
      next = 0;
    }
    while (next < frames.length && /** @type {Frame} */ (frames[next]).at <= at) {
      deliver(/** @type {Frame} */ (frames[next]));
      next += 1;
    }
  }

  function report() {
    const at = position();
    onProgress({
      position: at,
      duration,
      step: stepIndexAt(recording, at),
      playing,
      ended: at >= duration,
      speed,
    });
  }

  function cancelTimer() {
    if (timer !== null) clearTimeout(timer);
    timer = null;
  }

  /** @param {unknown} handle */
  function clearTimeout(handle) {
    clock.clearTimer(handle);
  }

  function tick() {
    timer = null;
    if (holdUntil !== null) {
      const left = holdUntil - clock.now();
      if (left > 0) {
        timer = clock.setTimer(tick, left);
        return;
      }
      holdUntil = null;
      setAnchor(anchorPosition);
    }
    const at = position();
    // The end of a step, reached while playing: it holds there, the step's result on the page.
    while (heldUpTo + 1 < ends.length - 1 && /** @type {number} */ (ends[heldUpTo + 1]) <= at) {
      heldUpTo += 1;
      const hold = holdMs(heldUpTo) / speed;
      if (hold > 0) {
        const end = /** @type {number} */ (ends[heldUpTo]);
        deliverUpTo(end);
        setAnchor(end);
        holdUntil = clock.now() + hold;
        report();
        timer = clock.setTimer(tick, hold);
        return;
      }
    }
    deliverUpTo(at);
    if (at >= duration) {
      playing = false;
      setAnchor(duration);
      report();
      return;
    }
    report();
    const upcoming = frames[next];
    const nextEnd = heldUpTo + 1 < ends.length - 1 ? ends[heldUpTo + 1] : undefined;
    const due = Math.min(upcoming === undefined ? duration : upcoming.at, nextEnd ?? duration);
    // Waits for the next frame, in the recording's time divided by the speed, but never longer
    // than the progress interval, so that the scrubber follows a long quiet stretch.
    const wait = Math.max(0, Math.min((due - at) / speed, PROGRESS_MS));
    timer = clock.setTimer(tick, wait);
  }

  return {
    /**
     * Starts delivering to `sink`, from the start, and plays.
     * @param {Sink & RecordingSink} target
     */
    start(target) {
      sink = target;
      sink.health('open');
      sink.health('message');
      next = 0;
      passEndsUpTo(-1);
      setAnchor(0);
      playing = true;
      tick();
    },
    /** Stops delivering, at once. */
    stop() {
      cancelTimer();
      playing = false;
      sink = null;
    },
    /** Plays from where the recording is; from the start when it has ended. */
    play() {
      if (playing) return;
      cancelTimer();
      const from = anchorPosition >= duration ? 0 : anchorPosition;
      passEndsUpTo(from === 0 ? -1 : from);
      setAnchor(from);
      playing = true;
      tick();
    },
    /** Pauses where the recording is. */
    pause() {
      if (!playing) return;
      cancelTimer();
      const at = position();
      deliverUpTo(at);
      playing = false;
      holdUntil = null;
      setAnchor(at);
      report();
    },
    /** Goes to `ms` from the start, showing exactly what the page showed then; keeps playing if it was. @param {number} ms */
    seek(ms) {
      cancelTimer();
      const at = Math.max(0, Math.min(duration, ms));
      deliverUpTo(at);
      passEndsUpTo(at);
      setAnchor(at);
      if (playing && at < duration) tick();
      else {
        playing = false;
        report();
      }
    },
    /** Pauses at the end of the step under way, or of the next one when already there. */
    stepForward() {
      const at = nextStop(recording, position());
      playing = false;
      this.seek(at);
    },
    /** Pauses at the end of the step before the one under way, or at the start. */
    stepBack() {
      const at = previousStop(recording, position());
      playing = false;
      this.seek(at);
    },
    /** Plays at `factor` times the recorded pace, from where the recording is. @param {number} factor */
    setSpeed(factor) {
      if (!SPEEDS.includes(factor)) return;
      const at = position();
      speed = factor;
      setAnchor(at);
      if (playing) {
        cancelTimer();
        tick();
      } else report();
    },
    /** Where the recording is, in milliseconds from its start. */
    get position() {
      return position();
    },
    get playing() {
      return playing;
    },
    get speed() {
      return speed;
    },
  };
}
