// Messages between the engine (main thread) and its worker thread.
import type { ModelSignature } from './bundle';

/**
 * The nice value of an inference thread on Linux. When every core runs inference, the extension
 * host's thread (nice 0) then gets a core as soon as it has work, instead of waiting its turn
 * behind the workers (the main thread's stalls with two workers on two cores, docs/RELIABILITY.md);
 * idle cores still go to the workers. Linux keeps a nice value per thread (setpriority of pid 0
 * is the calling thread); elsewhere it would lower the whole process, so it is left alone.
 */
export const WORKER_NICE = 10;

export interface LoadRequest {
  readonly kind: 'load';
  readonly modelPath: string;
  readonly threads: number;
}

export interface RunRequest {
  readonly kind: 'run';
  readonly id: number;
  readonly batch: number;
  readonly sequence: number;
  /** Row-major [batch, sequence] int64 inputs by name. */
  readonly inputs: Record<string, BigInt64Array>;
  /** Output names to fetch. */
  readonly outputs: readonly string[];
}

/**
 * Ends the worker between two runs: `code` 0 to close it, non-zero to end it as a crash would
 * (tests of the restart). A worker thread is never terminated from outside while ONNX Runtime
 * runs in it: a run that returns into a terminating thread aborts the whole process.
 */
export interface ExitRequest {
  readonly kind: 'exit';
  readonly code: number;
}

export type WorkerRequest = LoadRequest | RunRequest | ExitRequest;

/** What the worker is started with (`workerData`). */
export interface WorkerData {
  /** The module to load ONNX Runtime from; undefined for `onnxruntime-node`. */
  readonly runtimeModule: string | undefined;
}

export interface OutputTensor {
  readonly dims: readonly number[];
  readonly data: Float32Array;
}

export type WorkerResponse =
  | { readonly kind: 'loaded'; readonly signature: ModelSignature; readonly loadMs: number }
  /** `stage` says whether ONNX Runtime itself or the model failed to load. */
  | { readonly kind: 'loadError'; readonly stage: 'runtime' | 'model'; readonly message: string }
  | { readonly kind: 'result'; readonly id: number; readonly outputs: Record<string, OutputTensor>; readonly runMs: number }
  | { readonly kind: 'runError'; readonly id: number; readonly message: string };
