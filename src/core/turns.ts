// Sharing the extension host's thread: long synchronous work (labeling, drawing) yields to the
// event loop every few milliseconds, and all of it through one queue, one slice per turn.
import { CancelledError } from './engine';

/**
 * Lets the event loop run every few milliseconds during long synchronous work (tokenizing and
 * assembling a large document), so that labeling never blocks the extension host for long.
 * All pauses share one queue (`nextTurn`): however many documents are being labeled at once,
 * one slice of work runs per event-loop turn.
 */
export class Pause {
  private last = performance.now();
  constructor(private readonly everyMs = 4) {}

  async maybe(signal?: AbortSignal): Promise<void> {
    if (performance.now() - this.last < this.everyMs) return;
    await nextTurn();
    this.last = performance.now();
    if (signal?.aborted) throw new CancelledError();
  }
}

const waitingForTurn: Array<() => void> = [];
let turnScheduled = false;

/**
 * Resolves in a later event-loop turn, one waiter per turn. Waiters resumed by separate
 * setImmediate callbacks would all run in the same check phase, back to back: two labeling
 * runs' slices would then block the loop for the two together.
 */
export function nextTurn(): Promise<void> {
  return new Promise<void>((resolve) => {
    waitingForTurn.push(resolve);
    if (!turnScheduled) {
      turnScheduled = true;
      setImmediate(resumeOne);
    }
  });
}

function resumeOne(): void {
  turnScheduled = false;
  waitingForTurn.shift()?.();
  if (waitingForTurn.length) {
    turnScheduled = true;
    setImmediate(resumeOne); // queued during the check phase: runs in the next turn
  }
}
