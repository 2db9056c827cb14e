// The prose ranges of documents, found in a worker thread (prose_worker.ts) so that parsing a
// long document never holds the caller's thread. Requests run one at a time in order; one
// aborted before its turn is never sent (live labeling aborts a run at every keystroke, and
// only the newest text matters). The worker is started on first use, restarted after a
// failure, and does not keep a process alive while it has nothing to do. A request that takes
// longer than `timeoutMs` (a hostile document, a grammar's runaway expression) gets a problem
// and the worker is stopped, so that one document never holds the prose of the others back.
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { OffsetRange } from './ranges';
import type { ProseResult, ProseSpec } from './prose_spec';

interface Request {
  readonly id: number;
  readonly text: string;
  readonly spec: ProseSpec;
  readonly signal?: AbortSignal;
  readonly resolve: (r: ProseResult) => void;
  readonly reject: (e: Error) => void;
}

/** Why a request got no ranges: its signal fired before they came. */
export class ProseCancelledError extends Error {
  constructor() {
    super('finding the prose was cancelled');
  }
}

export class ProseFinder {
  private worker: Worker | undefined;
  private readonly queue: Request[] = [];
  private current: Request | undefined;
  private nextId = 1;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly workerPath = path.join(__dirname, 'prose_worker.js'),
    private readonly timeoutMs = 30_000,
  ) {}

  /** The prose ranges of `text` (sorted, disjoint), or the problems in words. */
  find(text: string, spec: ProseSpec, signal?: AbortSignal): Promise<ProseResult> {
    if (spec.kind === 'whole') return Promise.resolve({ ok: true, ranges: text.length ? [{ start: 0, end: text.length }] : [] });
    if (signal?.aborted) return Promise.reject(new ProseCancelledError());
    return new Promise<ProseResult>((resolve, reject) => {
      this.queue.push({ id: this.nextId++, text, spec, signal, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    if (this.current) return;
    let next = this.queue.shift();
    while (next?.signal?.aborted) {
      next.reject(new ProseCancelledError());
      next = this.queue.shift();
    }
    if (!next) {
      this.worker?.unref();
      return;
    }
    this.current = next;
    const w = this.start();
    w.ref();
    w.postMessage({ id: next.id, text: next.text, spec: next.spec });
    const seconds = this.timeoutMs / 1000;
    this.timer = setTimeout(() => {
      this.stop(w, `finding the prose took longer than ${seconds} seconds`);
      void w.terminate(); // pure JavaScript: safe to stop mid-run
    }, this.timeoutMs);
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const w = new Worker(this.workerPath);
    w.on('message', (m: { id: number; pairs?: Int32Array; problems?: string[] }) => {
      const req = this.current;
      if (!req || req.id !== m.id) return;
      clearTimeout(this.timer);
      this.current = undefined;
      if (req.signal?.aborted) req.reject(new ProseCancelledError());
      else if (m.pairs) {
        const ranges: OffsetRange[] = [];
        for (let i = 0; i < m.pairs.length; i += 2) ranges.push({ start: m.pairs[i], end: m.pairs[i + 1] });
        req.resolve({ ok: true, ranges });
      } else req.resolve({ ok: false, problems: m.problems ?? ['the prose worker gave no answer'] });
      this.pump();
    });
    w.on('error', (e) => this.stop(w, `the prose worker failed: ${e.message}`));
    w.on('exit', (code) => this.stop(w, `the prose worker stopped (exit code ${code})`));
    this.worker = w;
    return w;
  }

  /** The worker is gone (or is being stopped): the request it had gets the problem; the next starts a new one. */
  private stop(w: Worker, why: string): void {
    if (this.worker !== w) return;
    clearTimeout(this.timer);
    this.worker = undefined;
    const req = this.current;
    this.current = undefined;
    req?.resolve({ ok: false, problems: [why] });
    this.pump();
  }

  /** Stops the worker; requests waiting get a problem. */
  async dispose(): Promise<void> {
    const w = this.worker;
    this.worker = undefined;
    clearTimeout(this.timer);
    for (const r of this.queue.splice(0)) r.resolve({ ok: false, problems: ['the prose finder was closed'] });
    this.current?.resolve({ ok: false, problems: ['the prose finder was closed'] });
    this.current = undefined;
    if (w) await w.terminate();
  }
}
