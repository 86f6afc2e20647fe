/**
 * The lines a lab prints that other programs read: the ready line (the local host, the runtimes,
 * the tests and the benchmarks wait for it) and the progress lines the sandbox turns into steps.
 * Each format is written here once; whoever prints or reads one imports it from here.
 */

/** What the ready line says besides the URL. */
export interface ReadyDetails {
  running: number;
  desired: number;
  sessionStore: string;
  /** e.g. "embedded store on port 4567" or "external Redis" */
  store: string;
  /** Why the app did not start, when it did not. */
  problem: string | null;
}

const READY = /Lab ready at (https?:\/\/\S+)/;

/** The line a lab prints once it serves: `Lab ready at http://127.0.0.1:3000/ (…)`. */
export function formatReadyLine(url: string, details: ReadyDetails): string {
  const problem = details.problem ? `; the app did not start: ${details.problem}` : '';
  return `Lab ready at ${url} (${details.running} of ${details.desired} instances, sessions in ${details.sessionStore}, ${details.store}${problem})`;
}

/** The URL of the first ready line in some output, or null when there is none yet. */
export function readyUrl(output: string): string | null {
  return READY.exec(output)?.[1] ?? null;
}

/** Whether one line of output is the ready line. */
export function isReadyLine(line: string): boolean {
  return line.startsWith('Lab ready at ');
}

/** Progress lines: `lab: starting the embedded store`, `lab: starting instance 2 of 3`. */
export const progressLine = {
  storeEmbedded: (): string => 'starting the embedded store',
  storeExternal: (host: string, port: number): string => `using the Redis at ${host}:${port}`,
  instance: (n: number, total: number): string => `starting instance ${n} of ${total}`,
};

/** A self-test finding as the lab prints it: `self-test: sigterm fallback: …`. */
export interface SelfTestLine {
  name: 'storeLink' | 'sigterm' | 'watcher' | 'cookie';
  status: 'ok' | 'fallback' | 'failed';
  detail: string;
}

const SELF_TEST_NAMES = {
  storeLink: 'store-link',
  sigterm: 'sigterm',
  watcher: 'watcher',
  cookie: 'cookie',
} as const;
const SELF_TEST = /^self-test: (store-link|sigterm|watcher|cookie) (ok|fallback|failed): (.*)$/;

/** The line the lab prints for one self-test finding. */
export function formatSelfTestLine(finding: SelfTestLine): string {
  return `self-test: ${SELF_TEST_NAMES[finding.name]} ${finding.status}: ${finding.detail}`;
}

/** Reads one self-test line back, or null when the line is something else. */
export function parseSelfTestLine(line: string): SelfTestLine | null {
  const match = SELF_TEST.exec(line.trim());
  if (!match) return null;
  const printed = match[1];
  const name = (Object.keys(SELF_TEST_NAMES) as SelfTestLine['name'][]).find(
    (key) => SELF_TEST_NAMES[key] === printed,
  );
  if (!name) return null;
  return { name, status: match[2] as SelfTestLine['status'], detail: match[3] ?? '' };
}

// The line an instance's preload prints once the app listens (see instance-preload.ts). It goes
// on stdout, which every runtime relays, and the orchestrator consumes it instead of logging it.
const LISTENING = /^@@lab-listening (\d{1,5})$/;

/** The line the instance preload prints with the port the app's first server got. */
export function formatListeningLine(port: number): string {
  return `@@lab-listening ${port}`;
}

/** The port in a listening line, or null when the line is something else. */
export function parseListeningLine(line: string): number | null {
  const match = LISTENING.exec(line.trim());
  if (!match) return null;
  const port = Number(match[1]);
  return port > 0 && port < 65536 ? port : null;
}
