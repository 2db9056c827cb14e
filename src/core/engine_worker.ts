// The worker thread that owns the ONNX Runtime session: `session.run` blocks its thread, so it
// must never run on the extension host's main thread.
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import {
  WORKER_NICE,
  type LoadRequest,
  type OutputTensor,
  type RunRequest,
  type WorkerData,
  type WorkerRequest,
  type WorkerResponse,
} from './engine_protocol';

type Ort = typeof import('onnxruntime-node');
let ort: Ort | undefined;
let session: import('onnxruntime-node').InferenceSession | undefined;

function post(msg: WorkerResponse, transfer: ArrayBuffer[] = []): void {
  parentPort!.postMessage(msg, transfer);
}

async function handle(msg: LoadRequest | RunRequest): Promise<void> {
  if (msg.kind === 'load') {
    const t0 = performance.now();
    if (process.platform === 'linux') {
      try {
        setPriority(WORKER_NICE);
      } catch {
        // a sandbox that forbids it: the thread keeps its priority
      }
    }
    try {
      ort ??= (await import((workerData as WorkerData | undefined)?.runtimeModule ?? 'onnxruntime-node')) as Ort;
    } catch (e) {
      post({ kind: 'loadError', stage: 'runtime', message: e instanceof Error ? e.message : String(e) });
      return;
    }
    try {
      session = await ort.InferenceSession.create(msg.modelPath, {
        intraOpNumThreads: msg.threads,
        interOpNumThreads: 1,
        graphOptimizationLevel: 'all',
        executionMode: 'sequential',
        // Several workers share the cores: a thread that spins while waiting for work takes a
        // core from the others. Session config entries pass through `extra` in onnxruntime-node.
        extra: { 'session.intra_op.allow_spinning': '0', 'session.inter_op.allow_spinning': '0' },
      });
      const signature = {
        inputs: session.inputMetadata.map((m) => ({ name: m.name, rank: m.isTensor && m.shape.length ? m.shape.length : undefined })),
        outputs: session.outputMetadata.map((m) => ({ name: m.name, shape: m.isTensor && m.shape.length ? [...m.shape] : undefined })),
      };
      post({ kind: 'loaded', signature, loadMs: performance.now() - t0 });
    } catch (e) {
      post({ kind: 'loadError', stage: 'model', message: e instanceof Error ? e.message : String(e) });
    }
    return;
  }
  const t0 = performance.now();
  try {
    if (!session || !ort) throw new Error('no model is loaded');
    const feeds: Record<string, import('onnxruntime-node').Tensor> = {};
    for (const [name, data] of Object.entries(msg.inputs)) {
      feeds[name] = new ort.Tensor('int64', data, [msg.batch, msg.sequence]);
    }
    const result = await session.run(feeds, [...msg.outputs]);
    const outputs: Record<string, OutputTensor> = {};
    const transfer: ArrayBuffer[] = [];
    for (const name of msg.outputs) {
      const t = result[name];
      const data = t.data instanceof Float32Array ? t.data : Float32Array.from(t.data as ArrayLike<number>);
      outputs[name] = { dims: t.dims.map(Number), data };
      transfer.push(data.buffer as ArrayBuffer);
    }
    post({ kind: 'result', id: msg.id, outputs, runMs: performance.now() - t0 }, transfer);
  } catch (e) {
    post({ kind: 'runError', id: msg.id, message: e instanceof Error ? e.message : String(e) });
  }
}

// One message at a time, in order. A message is only read between two runs (a run holds the
// thread), so `exit` never cuts one short; runs queued behind it are not started.
let chain = Promise.resolve();
let exiting = false;
parentPort!.on('message', (msg: WorkerRequest) => {
  if (msg.kind === 'exit') {
    exiting = true;
    void (async () => {
      try {
        await session?.release();
      } finally {
        process.exit(msg.code);
      }
    })();
    return;
  }
  chain = chain.then(() => (exiting ? undefined : handle(msg)));
});
