import { LineSplitter, progressFromLine } from './progress.ts';
import { RuntimeUnavailable, type CheckResult, type LabRuntime, type Progress } from './runtime.ts';

/** What the local runtime needs from its surroundings; injected so it can be tested in Node. */
export interface LocalRuntimeOptions {
  labId: string;
  /** Where the site proxies the lab host. @default '/_labs/' */
  base?: string;
  fetch?: typeof fetch;
  /** Opens the output stream; the browser's EventSource by default. */
  openStream?: (url: string) => EventSourceLike;
}

/** The part of EventSource this runtime uses. */
export interface EventSourceLike {
  onmessage: ((event: MessageEvent<string>) => void) | null;
  close(): void;
}

/**
 * Runs a lab as real processes on the learner's or instructor's machine, through the lab host
 * that `npm start` runs beside the site (see sandboxes/local/host.ts).
 */
export class LocalRuntime implements LabRuntime {
  readonly kind = 'local' as const;
  #id: string;
  #base: string;
  #fetch: typeof fetch;
  #openStream: (url: string) => EventSourceLike;
  #stream: EventSourceLike | null = null;
  #listeners = new Set<(chunk: string) => void>();
  #output = '';

  constructor(options: LocalRuntimeOptions) {
    this.#id = options.labId;
    this.#base = options.base ?? '/_labs/';
    this.#fetch = options.fetch ?? fetch.bind(globalThis);
    this.#openStream = options.openStream ?? ((url) => new EventSource(url));
  }

  /** Whether a lab host answers behind this site. */
  async reachable(): Promise<boolean> {
    try {
      const response = await this.#fetch(this.#base, { headers: { accept: 'application/json' } });
      return response.ok && (response.headers.get('content-type') ?? '').includes('json');
    } catch {
      return false;
    }
  }

  async start(onProgress: (progress: Progress) => void): Promise<{ previewUrl: string }> {
    if (!(await this.reachable())) throw new RuntimeUnavailable('local-unreachable');
    onProgress({ step: 'starting' });
    this.#openOutput(onProgress);
    await this.#call('POST', 'start');
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
    if (this.#output) listener(this.#output);
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

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
    await this.#call('POST', 'stop').catch(() => undefined);
  }

  // The host replays what the lab printed so far, then streams the rest.
  #openOutput(onProgress: (progress: Progress) => void): void {
    if (this.#stream) return;
    const lines = new LineSplitter();
    this.#stream = this.#openStream(`${this.#base}${this.#id}/output`);
    this.#stream.onmessage = (event) => {
      const chunk = JSON.parse(event.data) as string;
      this.#output = (this.#output + chunk).slice(-200_000);
      for (const listener of this.#listeners) listener(chunk);
      for (const line of lines.push(chunk)) {
        const progress = progressFromLine(line);
        if (progress) onProgress(progress);
      }
    };
  }

  async #call(method: string, action: string, body?: unknown): Promise<unknown> {
    const init: RequestInit = { method, headers: { accept: 'application/json' } };
    if (method !== 'GET') {
      init.headers = { accept: 'application/json', 'content-type': 'application/json' };
      init.body = JSON.stringify(body ?? {});
    }
    const response = await this.#fetch(`${this.#base}${this.#id}/${action}`, init);
    const text = await response.text();
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      throw new Error(
        `${method} ${action}: the lab host answered ${response.status} without JSON.`,
      );
    }
    if (!response.ok) {
      const message = (value as { error?: string }).error ?? `HTTP ${response.status}`;
      throw new Error(message);
    }
    return value;
  }
}
