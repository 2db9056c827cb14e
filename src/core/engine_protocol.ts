// Messages between the engine (main thread) and its worker thread.
import type { ModelSignature } from './bundle';

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

export type WorkerRequest = LoadRequest | RunRequest;

export interface OutputTensor {
  readonly dims: readonly number[];
  readonly data: Float32Array;
}

export type WorkerResponse =
  | { readonly kind: 'loaded'; readonly signature: ModelSignature; readonly loadMs: number }
  | { readonly kind: 'loadError'; readonly message: string }
  | { readonly kind: 'result'; readonly id: number; readonly outputs: Record<string, OutputTensor>; readonly runMs: number }
  | { readonly kind: 'runError'; readonly id: number; readonly message: string };
