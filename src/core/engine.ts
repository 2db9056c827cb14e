// The inference engine: N worker threads, each with its own ONNX Runtime session of one
// intra-op thread, fed from one request queue. `session.run` blocks the thread it runs on, so it
// never runs on the caller's thread. Each request resolves on its own promise, so callers that
// await in order get results in order whichever worker ran them; with one window per request and
// one thread per session a worker's outputs do not depend on which worker ran the request.
// Requests whose AbortSignal fires before they reach a worker are dropped (an edit makes the
// previous run of a document obsolete). Each worker is posted requests ahead of the one it runs,
// up to `pipelinePieces`, so that it starts the next run as soon as one ends instead of waiting
// for the main thread to read the result and post again: the main thread does that only between
// its slices of tokenizing and postprocessing (up to a few milliseconds each, turns.ts), so what a
// worker holds must outlast a slice. A worker that dies (a native crash, an out-of-memory
// kill) is started again with the same model: the requests it held fail with the reason, the
// next ones run on the others and on the new worker.
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
  /** Intra-op threads of each session (1 is the stable choice next to an editor). */
  readonly threads?: number;
  /** Worker threads, each with its own session (default 1). */
  readonly workers?: number;
  /** The worker script; defaults to engine_worker.js beside this file. */
  readonly workerPath?: string;
  /** The ONNX Runtime module the worker loads (default `onnxruntime-node`); tests name a bad one. */
  readonly runtimeModule?: string;
  /** Most restarts after crashes within `restartWindowMs` before the engine gives up (default 3). */
  readonly maxRestarts?: number;
  readonly restartWindowMs?: number;
  /**
   * Pieces (batch × sequence) posted to each worker at once, the run in progress included (at
   * least one request; default 1,024: eight windows of 128, ~10 ms of runs on one core here).
   * A request already posted runs even if its signal fires, so a cancelled document costs a
   * worker at most this much.
   */
  readonly pipelinePieces?: number;
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

/** Most workers `autoWorkers` gives: each holds its own session (about 25 MB). */
const AUTO_WORKERS_MAX = 4;

/**
 * The editor's inference workers when none are set: one per core but one, so that the workbench
 * and the extension host keep a core (on 2 cores a second worker made typing's 95th-percentile
 * latency 30% longer while a long document was labeled, for a run 10% shorter:
 * docs/RELIABILITY.md), at most AUTO_WORKERS_MAX. The command-line labeler takes every core.
 */
export function autoWorkers(cores: number): number {
  return Math.min(AUTO_WORKERS_MAX, Math.max(1, cores - 1));
}

/** See EngineOptions.pipelinePieces. */
const DEFAULT_PIPELINE_PIECES = 1024;

const piecesOf = (r: RunRequest): number => r.batch * r.sequence;

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

/** One worker and the requests posted to it, oldest first (the worker answers in this order). */
interface Slot {
  worker: Worker;
  readonly inFlight: Pending[];
  /** While this slot's crashed worker is being replaced. */
  restarting: Promise<void> | undefined;
  /** Requests this slot's workers answered with outputs. */
  runs: number;
}

/** Pieces of the requests a slot's worker holds. */
function piecesInFlight(slot: Slot): number {
  let n = 0;
  for (const p of slot.inFlight) n += piecesOf(p.request);
  return n;
}

export class Engine {
  private nextId = 1;
  private readonly queue: Pending[] = [];
  private readonly slots: Slot[];
  private dead: string | undefined;
  private readonly crashTimes: number[] = [];
  /** Signals with our abort listener (one per signal, however many requests carry it). */
  private readonly watched = new WeakSet<AbortSignal>();
  /** Total time the workers spent in session.run (summed over workers). */
  runMs = 0;
  /** Workers started again after a crash. */
  restarts = 0;
  /**
   * Told when a worker crashes: `restarting` says whether a new worker is being started
   * (false once the engine gave up: too many crashes, or the model no longer loads).
   */
  onCrash: ((message: string, restarting: boolean) => void) | undefined;

  private constructor(
    loaded: readonly Loaded[],
    private readonly modelPath: string,
    private readonly options: EngineOptions,
  ) {
    this.slots = loaded.map((l) => ({ worker: l.worker, inFlight: [], restarting: undefined, runs: 0 }));
    this.signature = loaded[0].signature;
    this.loadMs = Math.max(...loaded.map((l) => l.loadMs));
    for (const slot of this.slots) this.attach(slot, slot.worker);
  }

  readonly signature: ModelSignature;
  /** The slowest worker's model load. */
  readonly loadMs: number;

  /** Starts `options.workers` workers (at least one) with the model; all load or none is kept. */
  static async start(modelPath: string, options: EngineOptions = {}): Promise<Result<Engine>> {
    const n = Math.max(1, Math.floor(options.workers ?? 1));
    const loaded = await Promise.all(Array.from({ length: n }, () => spawnWorker(modelPath, options)));
    const failed = loaded.find((r) => !r.ok);
    if (failed) {
      for (const r of loaded) if (r.ok) void endWorker(r.value.worker, 0);
      return failed;
    }
    return {
      ok: true,
      value: new Engine(
        loaded.map((r) => (r as { value: Loaded }).value),
        modelPath,
        options,
      ),
    };
  }

  get alive(): boolean {
    return this.dead === undefined;
  }

  /** How many workers run requests. */
  get workers(): number {
    return this.slots.length;
  }

  /** Requests each worker answered with outputs, by worker. */
  get runsPerWorker(): readonly number[] {
    return this.slots.map((s) => s.runs);
  }

  /** Requests posted to workers and not answered yet, and their pieces. */
  get posted(): { readonly requests: number; readonly pieces: number } {
    let requests = 0;
    let pieces = 0;
    for (const s of this.slots) {
      requests += s.inFlight.length;
      pieces += piecesInFlight(s);
    }
    return { requests, pieces };
  }

  /** Requests waiting or running (0 when the engine is idle). */
  get pending(): number {
    return this.queue.length + this.posted.requests;
  }

  private attach(slot: Slot, worker: Worker): void {
    worker.on('message', (msg: WorkerResponse) => {
      if (worker === slot.worker) this.onMessage(slot, msg);
    });
    // A worker emits 'error' then 'exit': the first one counts, the second finds it replaced.
    worker.on('error', (e) => this.crashed(slot, worker, `the inference worker crashed: ${e.message}`));
    worker.on('exit', (code) => this.crashed(slot, worker, `the inference worker stopped (exit code ${code})`));
  }

  private crashed(slot: Slot, worker: Worker, message: string): void {
    if (this.dead || worker !== slot.worker || slot.restarting) return;
    for (const p of slot.inFlight.splice(0)) p.reject(new Error(message));
    const now = Date.now();
    const windowMs = this.options.restartWindowMs ?? 60_000;
    this.crashTimes.push(now);
    while (this.crashTimes.length && now - this.crashTimes[0] > windowMs) this.crashTimes.shift();
    if (this.crashTimes.length > (this.options.maxRestarts ?? 3)) {
      this.giveUp(
        `${message}; it crashed ${this.crashTimes.length} times within ${Math.round(windowMs / 1000)} s, so it is not started again`,
      );
      return;
    }
    this.onCrash?.(message, true);
    slot.restarting = spawnWorker(this.modelPath, this.options).then((r) => {
      slot.restarting = undefined;
      if (this.dead) {
        if (r.ok) void endWorker(r.value.worker, 0);
        return;
      }
      if (!r.ok) {
        this.giveUp(`${message}; starting it again failed: ${r.problems.join('; ')}`);
        return;
      }
      slot.worker = r.value.worker;
      this.attach(slot, r.value.worker);
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

  /** Rejects and forgets the queued requests whose signal fired (not yet posted to a worker). */
  private dropAborted(): void {
    for (let i = this.queue.length - 1; i >= 0; i--) {
      if (this.queue[i].signal?.aborted) this.queue.splice(i, 1)[0].reject(new CancelledError());
    }
  }

  /** Posts queued requests, each to the ready worker with the fewest pieces in flight, up to `pipelinePieces`. */
  private pump(): void {
    const limit = Math.max(1, this.options.pipelinePieces ?? DEFAULT_PIPELINE_PIECES);
    while (!this.dead && this.queue.length) {
      let best: Slot | undefined;
      let bestPieces = Infinity;
      for (const s of this.slots) {
        const pieces = piecesInFlight(s);
        // an idle worker holds 0 pieces: it takes a request however many pieces that has
        if (s.restarting || pieces >= limit || pieces >= bestPieces) continue;
        best = s;
        bestPieces = pieces;
      }
      if (!best) return;
      // (a request whose signal fired is not here: run() refuses it, dropAborted() removes it)
      const next = this.queue.shift()!;
      best.inFlight.push(next);
      best.worker.postMessage(next.request);
    }
  }

  private onMessage(slot: Slot, msg: WorkerResponse): void {
    const p = slot.inFlight[0];
    if (!p || (msg.kind !== 'result' && msg.kind !== 'runError') || msg.id !== p.request.id) return;
    slot.inFlight.shift();
    if (msg.kind === 'result') {
      this.runMs += msg.runMs;
      slot.runs++;
      p.resolve(msg.outputs);
    } else {
      p.reject(new Error(`inference failed: ${msg.message}`));
    }
    this.pump();
  }

  /**
   * Ends the first worker thread the way a crash would (tests of the restart), at the end of the
   * run it is in. The requests it held fail; the engine starts a new worker in its place.
   */
  async killWorker(): Promise<void> {
    await endWorker(this.slots[0].worker, 1);
  }

  async dispose(): Promise<void> {
    this.dead ??= 'the engine was disposed';
    const pending = [...this.slots.flatMap((s) => s.inFlight.splice(0)), ...this.queue.splice(0)];
    for (const p of pending) p.reject(new CancelledError());
    await Promise.all(this.slots.map((s) => s.restarting));
    await Promise.all(this.slots.map((s) => endWorker(s.worker, 0)));
  }
}
