/**
 * The local runtime: runs a lab as real processes on the learner's or instructor's machine,
 * through the lab host that `npm start` runs beside the site (sandboxes/local/host.ts), reached
 * through the site's own origin at `/_labs/`.
 */
import { OutputLog } from './output-log.ts';
import { progressFromLine } from './progress.ts';
import {
  RuntimeUnavailable,
  type CheckResult,
  type Lang,
  type LabRuntime,
  type Progress,
} from './runtime.ts';
import { SelfTestCollector, type SelfTestReport } from './self-test.ts';

/** What the local runtime needs from its surroundings; injected so it can be tested in Node. */
export interface LocalRuntimeOptions {
  labId: string;
  /** Where the site proxies the lab host. @default '/_labs/' */
  base?: string;
  fetch?: typeof fetch;
  /** Opens the output stream; the browser's EventSource by default. */
  openStream?: (url: string) => EventSourceLike;
  /**
   * The page's language: the host starts the lab with it as `LAB_LANG`, unless the lab already
   * runs for another page (one lab per machine). @default 'fr'
   */
  lang?: Lang;
}

/** The part of EventSource this runtime uses. */
export interface EventSourceLike {
  onmessage: ((event: MessageEvent<string>) => void) | null;
  close(): void;
}

/** How long `reachable()` waits for the lab host by default, when the learner chose this machine. */
const REACHABLE_TIMEOUT_MS = 3000;

/** Runs a lab through the local lab host. */
export class LocalRuntime implements LabRuntime {
  readonly kind = 'local' as const;
  readonly #id: string;
  readonly #base: string;
  readonly #fetch: typeof fetch;
  readonly #openStream: (url: string) => EventSourceLike;
  readonly #lang: Lang;
  #stream: EventSourceLike | null = null;
  readonly #log = new OutputLog();
  readonly #selfTest = new SelfTestCollector();

  constructor(options: LocalRuntimeOptions) {
    this.#id = options.labId;
    this.#base = options.base ?? '/_labs/';
    this.#fetch = options.fetch ?? fetch.bind(globalThis);
    this.#openStream = options.openStream ?? ((url) => new EventSource(url));
    this.#lang = options.lang ?? 'fr';
    this.#selfTest.read(this.#log);
  }

  /**
   * Whether a lab host answers behind this site within `timeoutMs`: a static host answers with
   * the build's own `_labs/index.html` (HTML, never a 404 in the console), a lab host with its
   * list of labs as JSON.
   */
  async reachable(timeoutMs = REACHABLE_TIMEOUT_MS): Promise<boolean> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    try {
      const response = await this.#fetch(this.#base, {
        headers: { accept: 'application/json' },
        signal: controller.signal,
      });
      return response.ok && (response.headers.get('content-type') ?? '').includes('json');
    } catch {
      return false;
    } finally {
      clearTimeout(timer);
    }
  }

  async start(onProgress: (progress: Progress) => void): Promise<{ previewUrl: string }> {
    if (!(await this.reachable())) throw new RuntimeUnavailable('local-unreachable');
    onProgress({ step: 'starting' });
    let ready = false;
    this.#log.onLine((line) => {
      const progress = progressFromLine(line);
      if (progress && !ready && progress.step !== 'ready') onProgress(progress);
    });
    this.#openOutput();
    // The host answers once every instance is ready.
    await this.#call('POST', 'start', { lang: this.#lang });
    ready = true;
    onProgress({ step: 'ready' });
    return { previewUrl: `${this.#base}${this.#id}/app/` };
  }

  async readFiles(): Promise<Record<string, string>> {
    return ((await this.#call('GET', 'files')) as { files: Record<string, string> }).files;
  }

  async writeFile(name: string, content: string): Promise<void> {
    await this.#call('PUT', `files/${encodeURIComponent(name)}`, { content });
  }

  onOutput(listener: (chunk: string) => void): () => void {
    return this.#log.onChunk(listener);
  }

  onSelfTest(listener: (report: SelfTestReport) => void): () => void {
    return this.#selfTest.subscribe(listener);
  }

  // The host waits for the rollout itself before it answers Check, Solve and Reset.
  async check(): Promise<CheckResult[]> {
    return ((await this.#call('POST', 'check')) as { results: CheckResult[] }).results;
  }

  async reset(): Promise<Record<string, string>> {
    return ((await this.#call('POST', 'reset')) as { files: Record<string, string> }).files;
  }

  async solve(): Promise<Record<string, string>> {
    return ((await this.#call('POST', 'solve')) as { files: Record<string, string> }).files;
  }

  async stop(): Promise<void> {
    this.#stream?.close();
    this.#stream = null;
    this.#log.close();
    this.#selfTest.close();
    await this.#call('POST', 'stop').catch(() => undefined);
  }

  // The host replays what the lab printed so far, then streams the rest, one JSON string a message.
  #openOutput(): void {
    if (this.#stream) return;
    this.#stream = this.#openStream(`${this.#base}${this.#id}/output`);
    this.#stream.onmessage = (event) => {
      let chunk: unknown;
      try {
        chunk = JSON.parse(event.data);
      } catch {
        return;
      }
      if (typeof chunk === 'string') this.#log.append(chunk);
    };
  }

  async #call(method: string, action: string, body?: unknown): Promise<unknown> {
    // The host answers an error in the page's language, which this header names.
    const headers = { accept: 'application/json', 'accept-language': this.#lang };
    const init: RequestInit = { method, headers };
    if (method !== 'GET') {
      init.headers = { ...headers, 'content-type': 'application/json' };
      init.body = JSON.stringify(body ?? {});
    }
    let response: Response;
    try {
      response = await this.#fetch(`${this.#base}${this.#id}/${action}`, init);
    } catch (error) {
      throw new Error(
        `${method} ${action}: the lab host did not answer (${error instanceof Error ? error.message : String(error)}). Is "npm start" still running?`,
        { cause: error },
      );
    }
    const text = await response.text();
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      throw new Error(
        `${method} ${action}: the lab host answered ${response.status} without JSON. Is "npm start" still running?`,
      );
    }
    if (!response.ok) {
      const message = (value as { error?: string } | null)?.error ?? `HTTP ${response.status}`;
      throw new Error(message);
    }
    return value;
  }
}
