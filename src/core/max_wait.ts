// A debounce with a maximum wait, as arithmetic: live labeling waits for a pause in typing
// (the debounce), but never longer than the maximum wait after the first edit it has not yet
// labeled, so that continuous typing still gets labels. Kept apart from the timers (the editor
// layer owns those) so that the rule is unit-tested in Node. No `vscode` import.

/**
 * Milliseconds to wait before labeling, `now` being the time of the latest edit and
 * `firstPendingAt` that of the first edit not yet labeled: the debounce, cut short so that
 * the wait ends at most `maxWaitMs` after `firstPendingAt` (0: no maximum, the debounce alone).
 */
export function debounceDelay(now: number, firstPendingAt: number, debounceMs: number, maxWaitMs: number): number {
  const debounce = Math.max(0, debounceMs);
  if (!(maxWaitMs > 0)) return debounce;
  return Math.max(0, Math.min(debounce, firstPendingAt + maxWaitMs - now));
}

/** Whether a wait of `delayMs` after an edit at `now` is the maximum wait's (not the debounce's). */
export function endsAtMaxWait(delayMs: number, debounceMs: number): boolean {
  return delayMs < Math.max(0, debounceMs);
}
