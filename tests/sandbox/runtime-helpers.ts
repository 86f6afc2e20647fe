/**
 * What the tests of both sandbox runtimes (local-runtime, webcontainer-runtime) share: the
 * progress both report while a lab starts, which they read from the same lines of the lab's
 * output (lines.ts) that the tests' fake hosts print, and a way to catch the error a promise
 * rejects with.
 */
import type { Progress } from '../../src/sandbox/runtime.ts';

/**
 * From the lab's first line to its ready line, for a lab that starts its embedded store and two
 * instances, web-1 and web-2.
 */
export const TWO_INSTANCE_LAB_START: readonly Progress[] = [
  { step: 'starting' },
  { step: 'starting-store' },
  { step: 'starting-instance', values: { n: 1, total: 2 } },
  { step: 'starting-instance', values: { n: 2, total: 2 } },
  { step: 'instance-ready', values: { id: 'web-1' } },
  { step: 'instance-ready', values: { id: 'web-2' } },
  { step: 'ready' },
];

/** The error `promise` rejects with; throws if it resolves instead. */
export async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}
