import { isReadyLine } from '../../sandboxes/platform/lines.ts';
import type { Progress } from './runtime.ts';

/**
 * Reads one line of a lab's output as a step of its start, the same way for every runtime:
 * the platform prints `lab: starting the embedded store`, `lab: starting instance 2 of 3`,
 * `platform: web-1 is ready` and finally `Lab ready at …`.
 */
export function progressFromLine(line: string): Progress | null {
  if (/^lab: starting the embedded store/.test(line)) return { step: 'starting-store' };
  if (/^lab: using the Redis at/.test(line)) return { step: 'starting-store' };
  const instance = /^lab: starting instance (\d+) of (\d+)/.exec(line);
  if (instance)
    return {
      step: 'starting-instance',
      values: { n: Number(instance[1]), total: Number(instance[2]) },
    };
  const ready = /^platform: (web-\d+) is ready/.exec(line);
  if (ready?.[1]) return { step: 'instance-ready', values: { id: ready[1] } };
  if (isReadyLine(line)) return { step: 'ready' };
  return null;
}
