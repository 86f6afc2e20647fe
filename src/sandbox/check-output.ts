/**
 * Reads what a packaged lab's command-line tools printed: `run-checks.js` ends with one JSON line
 * `{"results":[{"id","ok","message":{"fr","en"}}]}`, `wait-rollout.js` with `{"ok","error"}`.
 */
import type { CheckResult } from './runtime.ts';
import { lastLines, plainLines } from './output-log.ts';

/**
 * Parses the output of `run-checks.js`: the last line that is a JSON object with `results`.
 * Terminal output mixes stdout and stderr, so a line printed after the results is skipped.
 */
export function parseCheckOutput(output: string): CheckResult[] {
  const lines = plainLines(output);
  for (let index = lines.length - 1; index >= 0; index -= 1) {
    const line = lines[index]!.trim();
    if (!line.startsWith('{')) continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      continue;
    }
    const results = (parsed as { results?: unknown }).results;
    if (!Array.isArray(results)) continue;
    return results.map((result: unknown, position) => {
      if (!isCheckResult(result)) {
        throw new Error(
          `The checks' result ${position + 1} is malformed: ${JSON.stringify(result)}`,
        );
      }
      return {
        id: result.id,
        ok: result.ok,
        message: { fr: result.message.fr, en: result.message.en },
      };
    });
  }
  throw new Error(`The checks printed no results line. Their last lines:\n${lastLines(output)}`);
}

/** Whether a value is one check result, worded in both languages. */
export function isCheckResult(value: unknown): value is CheckResult {
  if (typeof value !== 'object' || value === null) return false;
  const { id, ok, message } = value as Partial<CheckResult>;
  return (
    typeof id === 'string' &&
    typeof ok === 'boolean' &&
    typeof message === 'object' &&
    message !== null &&
    typeof message.fr === 'string' &&
    typeof message.en === 'string'
  );
}

/**
 * Reads how `wait-rollout.js` ended (its exit code and output): returns when the platform rolled
 * the files out, throws with the platform's own reason otherwise.
 */
export function readRolloutOutput(code: number, output: string): void {
  const answer = lastJsonLine(output) as { ok?: unknown; error?: unknown } | null;
  if (code === 0 && answer?.ok === true) return;
  const why =
    typeof answer?.error === 'string'
      ? answer.error
      : `exit code ${code}. Its last lines:\n${lastLines(output)}`;
  throw new Error(`The platform could not roll the files out: ${why}`);
}

// The last line of some output that is a JSON object, parsed, or null.
function lastJsonLine(output: string): unknown {
  for (const line of plainLines(output).reverse()) {
    const text = line.trim();
    if (!text.startsWith('{')) continue;
    try {
      return JSON.parse(text);
    } catch {
      // A line that merely starts with a brace: keep looking.
    }
  }
  return null;
}
