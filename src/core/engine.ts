// The inference engine: one ONNX Runtime session per bundle, in a worker thread, behind a
// request queue. Requests whose AbortSignal fires before they reach the worker are dropped
// (an edit makes the previous run of a document obsolete); the worker runs one at a time.
// Up to `pipelineDepth` requests are posted to the worker at once, so that it starts the next
// run as soon as one ends instead of waiting for the main thread to read the result and post
// again (with one window per run that wait is a tenth of a document's time: docs/RELIABILITY.md).
// A worker that dies (a native crash, an out-of-memory kill) is started again with the same
// model: the requests it held fail with the reason, the next ones run on the new worker.
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { ModelSignature, Result } from './bundle';
import type { OutputTensor, RunRequest, WorkerData, WorkerRequest, WorkerResponse } from './engine_protocol';

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
  /** The ONNX Runtime module the worker loads (default `onnxruntime-node`); tests name a bad one. */
  readonly runtimeModule?: string;
  /** Most restarts after crashes within `restartWindowMs` before the engine gives up (default 3). */
  readonly maxRestarts?: number;
  readonly restartWindowMs?: number;
  /**
   * Requests posted to the worker ahead of their turn (default 2). A request already posted
   * runs even if its signal fires, so a cancelled document costs at most this many runs.
   */
  readonly pipelineDepth?: number;
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

interface Loaded {
  readonly worker: Worker;
  readonly signature: ModelSignature;
  readonly loadMs: number;
}

/** How long a closing worker may take to finish its run before it is terminated anyway. */
const CLOSE_TIMEOUT_MS = 10_000;

/**
 * Ends a worker between runs (see ExitRequest) and resolves when it has exited. Terminating
 * it from outside is the last resort, for a worker that does not answer within the timeout.
 */
function endWorker(worker: Worker, code: number): Promise<void> {
  if (worker.threadId === -1) return Promise.resolve(); // it has exited already
  return new Promise<void>((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => void worker.terminate().then(done, done), CLOSE_TIMEOUT_MS);
    worker.once('exit', done);
    const req: WorkerRequest = { kind: 'exit', code };
    worker.postMessage(req);
  });
}

/** Starts a worker and loads the model in it; problems are returned in words. */
async function spawnWorker(modelPath: string, options: EngineOptions): Promise<Result<Loaded>> {
  const workerPath = options.workerPath ?? path.join(__dirname, 'engine_worker.js');
  const workerData: WorkerData = { runtimeModule: options.runtimeModule };
  let worker: Worker;
  try {
    worker = new Worker(workerPath, { workerData });
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
    void endWorker(worker, 0);
    return { ok: false, problems: [`onnxruntime could not load the model: ${loaded.message}`] };
  }
  if (loaded.kind !== 'loaded') {
    void endWorker(worker, 0);
    if (loaded.kind === 'loadError' && loaded.stage === 'runtime') {
      return { ok: false, problems: [`ONNX Runtime (onnxruntime-node) could not be loaded, so no model can run: ${loaded.message}`] };
    }
    const message = loaded.kind === 'loadError' ? loaded.message : 'unexpected reply';
    return { ok: false, problems: [`model.onnx could not be loaded by ONNX Runtime: ${message}`] };
  }
  return { ok: true, value: { worker, signature: loaded.signature, loadMs: loaded.loadMs } };
}

export class Engine {
  private nextId = 1;
  private readonly queue: Pending[] = [];
  /** Posted to the worker, oldest first; the worker answers in this order. */
  private readonly inFlight: Pending[] = [];
  private dead: string | undefined;
  private worker: Worker;
  /** While a crashed worker is being replaced: the queue waits for it. */
  private restarting: Promise<void> | undefined;
  private readonly crashTimes: number[] = [];
  /** Signals with our abort listener (one per signal, however many requests carry it). */
  private readonly watched = new WeakSet<AbortSignal>();
  /** Total time the worker spent in session.run. */
  runMs = 0;
  /** Workers started again after a crash. */
  restarts = 0;
  /**
   * Told when the worker crashes: `restarting` says whether a new worker is being started
   * (false once the engine gave up: too many crashes, or the model no longer loads).
   */
  onCrash: ((message: string, restarting: boolean) => void) | undefined;

  private constructor(
    loaded: Loaded,
    private readonly modelPath: string,
    private readonly options: EngineOptions,
  ) {
    this.worker = loaded.worker;
    this.signature = loaded.signature;
    this.loadMs = loaded.loadMs;
    this.attach(loaded.worker);
  }

  readonly signature: ModelSignature;
  readonly loadMs: number;

  static async start(modelPath: string, options: EngineOptions = {}): Promise<Result<Engine>> {
    const loaded = await spawnWorker(modelPath, options);
    if (!loaded.ok) return loaded;
    return { ok: true, value: new Engine(loaded.value, modelPath, options) };
  }

  get alive(): boolean {
    return this.dead === undefined;
  }

  /** Requests waiting or running (0 when the engine is idle). */
  get pending(): number {
    return this.queue.length + this.inFlight.length;
  }

  private attach(worker: Worker): void {
    worker.on('message', (msg: WorkerResponse) => {
      if (worker === this.worker) this.onMessage(msg);
    });
    // A worker emits 'error' then 'exit': the first one counts, the second finds it replaced.
    worker.on('error', (e) => this.crashed(worker, `the inference worker crashed: ${e.message}`));
    worker.on('exit', (code) => this.crashed(worker, `the inference worker stopped (exit code ${code})`));
  }

  private crashed(worker: Worker, message: string): void {
    if (this.dead || worker !== this.worker || this.restarting) return;
    for (const p of this.inFlight.splice(0)) p.reject(new Error(message));
    const now = Date.now();
    const windowMs = this.options.restartWindowMs ?? 60_000;
    this.crashTimes.push(now);
    while (this.crashTimes.length && now - this.crashTimes[0] > windowMs) this.crashTimes.shift();
    if (this.crashTimes.length > (this.options.maxRestarts ?? 3)) {
      this.giveUp(`${message}; it crashed ${this.crashTimes.length} times within ${Math.round(windowMs / 1000)} s, so it is not started again`);
      return;
    }
    this.onCrash?.(message, true);
    this.restarting = spawnWorker(this.modelPath, this.options).then((r) => {
      this.restarting = undefined;
      if (this.dead) {
        if (r.ok) void endWorker(r.value.worker, 0);
        return;
      }
      if (!r.ok) {
        this.giveUp(`${message}; starting it again failed: ${r.problems.join('; ')}`);
        return;
      }
      this.worker = r.value.worker;
      this.attach(r.value.worker);
      this.restarts++;
      this.pump();
    });
  }

  private giveUp(message: string): void {
    this.dead = message;
    for (const p of this.queue.splice(0)) p.reject(new Error(message));
    this.onCrash?.(message, false);
  }

  run(input: InputBatch, outputs: readonly string[], signal?: AbortSignal): Promise<Record<string, OutputTensor>> {
    if (this.dead) return Promise.reject(new Error(this.dead));
    if (signal?.aborted) return Promise.reject(new CancelledError());
    return new Promise((resolve, reject) => {
      const request: RunRequest = { kind: 'run', id: this.nextId++, ...input, outputs };
      this.queue.push({ request, signal, resolve, reject });
      if (signal && !this.watched.has(signal)) {
        this.watched.add(signal);
        signal.addEventListener('abort', () => this.dropAborted(), { once: true });
      }
      this.pump();
    });
  }

  /** Rejects and forgets the queued requests whose signal fired (not yet posted to the worker). */
  private dropAborted(): void {
    for (let i = this.queue.length - 1; i >= 0; i--) {
      if (this.queue[i].signal?.aborted) this.queue.splice(i, 1)[0].reject(new CancelledError());
    }
  }

  private pump(): void {
    const depth = Math.max(1, this.options.pipelineDepth ?? 2);
    while (this.inFlight.length < depth && !this.restarting && !this.dead && this.queue.length) {
      // (a request whose signal fired is not here: run() refuses it, dropAborted() removes it)
      const next = this.queue.shift()!;
      this.inFlight.push(next);
      this.worker.postMessage(next.request);
    }
  }

  private onMessage(msg: WorkerResponse): void {
    const p = this.inFlight[0];
    if (!p || (msg.kind !== 'result' && msg.kind !== 'runError') || msg.id !== p.request.id) return;
    this.inFlight.shift();
    if (msg.kind === 'result') {
      this.runMs += msg.runMs;
      p.resolve(msg.outputs);
    } else {
      p.reject(new Error(`inference failed: ${msg.message}`));
    }
    this.pump();
  }

  /**
   * Ends the worker thread the way a crash would (tests of the restart), at the end of the run
   * it is in. The requests it held fail; the engine starts a new worker.
   */
  async killWorker(): Promise<void> {
    await endWorker(this.worker, 1);
  }

  async dispose(): Promise<void> {
    this.dead ??= 'the engine was disposed';
    const pending = [...this.inFlight.splice(0), ...this.queue.splice(0)];
    for (const p of pending) p.reject(new CancelledError());
    await this.restarting;
    await endWorker(this.worker, 0);
  }
}
