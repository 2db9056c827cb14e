// The inference engine: one ONNX Runtime session per bundle, in a worker thread, behind a
// request queue. Requests whose AbortSignal fires before they reach the worker are dropped
// (an edit makes the previous run of a document obsolete); the worker runs one at a time.
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { ModelSignature, Result } from './bundle';
import type { OutputTensor, RunRequest, WorkerRequest, WorkerResponse } from './engine_protocol';

export class CancelledError extends Error {
  constructor() {
    super('cancelled');
    this.name = 'CancelledError';
  }
}

export interface EngineOptions {
  /** Intra-op threads of the session (1 is the stable choice next to an editor). */
  readonly threads?: number;
  /** The worker script; defaults to engine_worker.js beside this file. */
  readonly workerPath?: string;
}

export interface InputBatch {
  readonly batch: number;
  readonly sequence: number;
  readonly inputs: Record<string, BigInt64Array>;
}

interface Pending {
  readonly request: RunRequest;
  readonly signal: AbortSignal | undefined;
  resolve(outputs: Record<string, OutputTensor>): void;
  reject(e: Error): void;
}

export class Engine {
  private nextId = 1;
  private readonly queue: Pending[] = [];
  private inFlight: Pending | undefined;
  private dead: string | undefined;
  /** Total time the worker spent in session.run. */
  runMs = 0;
  onCrash: ((message: string) => void) | undefined;

  private constructor(
    private readonly worker: Worker,
    readonly signature: ModelSignature,
    readonly loadMs: number,
  ) {
    worker.on('message', (msg: WorkerResponse) => this.onMessage(msg));
    const fail = (message: string): void => {
      if (this.dead) return;
      this.dead = message;
      const all = [...(this.inFlight ? [this.inFlight] : []), ...this.queue.splice(0)];
      this.inFlight = undefined;
      for (const p of all) p.reject(new Error(message));
      this.onCrash?.(message);
    };
    worker.on('error', (e) => fail(`the inference worker crashed: ${e.message}`));
    worker.on('exit', (code) => fail(`the inference worker stopped (exit code ${code})`));
  }

  static async start(modelPath: string, options: EngineOptions = {}): Promise<Result<Engine>> {
    const workerPath = options.workerPath ?? path.join(__dirname, 'engine_worker.js');
    let worker: Worker;
    try {
      worker = new Worker(workerPath);
    } catch (e) {
      return { ok: false, problems: [`the inference worker could not start: ${(e as Error).message}`] };
    }
    // Listeners are removed one by one: removeAllListeners() would also drop the Worker's own
    // internal listeners, after which its messages are no longer delivered.
    let onMessage!: (m: WorkerResponse) => void;
    let onError!: (e: Error) => void;
    let onExit!: (code: number) => void;
    const loaded = await new Promise<WorkerResponse | Error>((resolve) => {
      onMessage = resolve;
      onError = resolve;
      onExit = (code) => resolve(new Error(`the inference worker stopped (exit code ${code})`));
      worker.once('message', onMessage).once('error', onError).once('exit', onExit);
      const req: WorkerRequest = { kind: 'load', modelPath, threads: options.threads ?? 1 };
      worker.postMessage(req);
    });
    worker.off('message', onMessage).off('error', onError).off('exit', onExit);
    if (loaded instanceof Error) {
      void worker.terminate();
      return { ok: false, problems: [`onnxruntime could not load the model: ${loaded.message}`] };
    }
    if (loaded.kind !== 'loaded') {
      void worker.terminate();
      const message = loaded.kind === 'loadError' ? loaded.message : 'unexpected reply';
      return { ok: false, problems: [`model.onnx could not be loaded by ONNX Runtime: ${message}`] };
    }
    return { ok: true, value: new Engine(worker, loaded.signature, loaded.loadMs) };
  }

  get alive(): boolean {
    return this.dead === undefined;
  }

  run(input: InputBatch, outputs: readonly string[], signal?: AbortSignal): Promise<Record<string, OutputTensor>> {
    if (this.dead) return Promise.reject(new Error(this.dead));
    if (signal?.aborted) return Promise.reject(new CancelledError());
    return new Promise((resolve, reject) => {
      const request: RunRequest = { kind: 'run', id: this.nextId++, ...input, outputs };
      this.queue.push({ request, signal, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (!this.inFlight && this.queue.length) {
      const next = this.queue.shift()!;
      if (next.signal?.aborted) {
        next.reject(new CancelledError());
        continue;
      }
      this.inFlight = next;
      this.worker.postMessage(next.request);
    }
  }

  private onMessage(msg: WorkerResponse): void {
    const p = this.inFlight;
    if (!p || (msg.kind !== 'result' && msg.kind !== 'runError') || msg.id !== p.request.id) return;
    this.inFlight = undefined;
    if (msg.kind === 'result') {
      this.runMs += msg.runMs;
      p.resolve(msg.outputs);
    } else {
      p.reject(new Error(`inference failed: ${msg.message}`));
    }
    this.pump();
  }

  async dispose(): Promise<void> {
    this.dead ??= 'the engine was disposed';
    const pending = [...(this.inFlight ? [this.inFlight] : []), ...this.queue.splice(0)];
    this.inFlight = undefined;
    for (const p of pending) p.reject(new CancelledError());
    await this.worker.terminate();
  }
}
