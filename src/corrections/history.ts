// The two kinds of undo of corrections.
// - Undo Correction / Redo Correction: a per-document history of correction sets, at most
//   HISTORY steps, each stack re-anchored through every text change.
// - The editor's own Undo/Redo of a text edit: every text change records the corrections of the
//   text it replaced, keyed by a hash of that text (the last TEXT_SNAPSHOTS texts); an undo or
//   redo that returns to a recorded text restores them, so that a corrected word deleted and
//   brought back by Ctrl+Z gets its correction back.
import { createHash } from 'node:crypto';
import { reanchor, type Annotation, type TextChange } from '../core/annotations';
import type { DocAnnotations } from './doc_state';

const HISTORY = 100;
const TEXT_SNAPSHOTS = 200;
/** Documents longer than this are not hashed on every change (their editor undo is not followed). */
const MAX_HASHED_LENGTH = 5_000_000;

/** A text's key for the editor-undo records; undefined for texts too long to hash on each change. */
export function hashText(text: string): string | undefined {
  return text.length > MAX_HASHED_LENGTH ? undefined : createHash('sha1').update(text).digest('base64');
}

/** Starts an undoable step: the corrections now go on the undo stack and the redo stack is cleared. */
export function beginStep(s: DocAnnotations): void {
  s.undo.push(s.corrections);
  if (s.undo.length > HISTORY) s.undo.shift();
  s.redo = [];
}

/** The corrections one step back, the current ones moved to the redo stack; undefined with no step to undo. */
export function stepBack(s: DocAnnotations): Annotation[] | undefined {
  const prev = s.undo.pop();
  if (!prev || s.state === 'unreadable') return undefined;
  s.redo.push(s.corrections);
  return prev;
}

/** The corrections one step forward, the current ones moved to the undo stack; undefined with none to redo. */
export function stepForward(s: DocAnnotations): Annotation[] | undefined {
  const next = s.redo.pop();
  if (!next || s.state === 'unreadable') return undefined;
  s.undo.push(s.corrections);
  return next;
}

/** Whether a text change has nothing to carry along (no corrections, no history, no records). */
export function nothingToFollow(s: DocAnnotations): boolean {
  return s.corrections.length === 0 && s.undo.length === 0 && s.redo.length === 0 && s.byText.size === 0;
}

/**
 * A text change: the corrections and both stacks follow it, unless the change is the editor's
 * undo or redo (`undoOrRedo`) back to a recorded text, which gets that text's corrections back.
 */
export function followTextChange(s: DocAnnotations, changes: readonly TextChange[], newText: string, undoOrRedo: boolean): void {
  // The corrections of the text this change replaces, for the editor's undo and redo.
  if (s.textHash !== undefined) {
    s.byText.delete(s.textHash);
    s.byText.set(s.textHash, s.corrections);
    if (s.byText.size > TEXT_SNAPSHOTS) s.byText.delete(s.byText.keys().next().value!);
  }
  const hash = hashText(newText);
  const restored = undoOrRedo && hash !== undefined ? s.byText.get(hash) : undefined;
  s.corrections = restored ?? reanchor(s.corrections, changes);
  s.undo = s.undo.map((u) => reanchor(u, changes));
  s.redo = s.redo.map((r) => reanchor(r, changes));
  s.textHash = hash;
}
