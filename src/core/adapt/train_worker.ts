// The training worker thread: one request (train_protocol.ts), learnHead on it, one answer, exit.
// Retraining a head takes seconds of CPU; in the extension host's thread it would freeze the editor.
import { parentPort, workerData } from 'node:worker_threads';
import { learnHead } from './learn';
import type { TrainRequest, TrainResponse } from './train_protocol';

const req = workerData as TrainRequest;
let res: TrainResponse;
try {
  res = { ok: true, learned: learnHead(req.base, req.examples, req.options) };
} catch (e) {
  res = { ok: false, message: e instanceof Error ? e.message : String(e) };
}
parentPort!.postMessage(res);
