// One document's corrections and what is known about its sidecar file: the state every other
// file of corrections/ reads and changes. Kept per document object (not per URI: an untitled
// document's URI is reused by the next untitled document).
import type { Annotation } from '../core/annotations';
import type { SidecarProblem } from '../core/sidecar';
import type { MergeResult } from '../core/sidecar_merge';

/** An outside change of the sidecar that conflicts with the editor's corrections, waiting for the user. */
export interface PendingConflict {
  readonly result: MergeResult;
  /** The file's corrections and content hash the conflict was found against. */
  readonly theirs: Annotation[];
  readonly hash: string | undefined;
}

/**
 * none: no sidecar file yet; loaded: read (or written) and in use; unreadable: a file that cannot
 * be parsed, never written; memory: a document without a file (untitled), corrections in memory.
 */
export type SidecarState = 'none' | 'loaded' | 'unreadable' | 'memory';

export interface DocAnnotations {
  corrections: Annotation[];
  state: SidecarState;
  problems: readonly SidecarProblem[];
  sidecar: string | undefined;
  /** Corrections changed since the sidecar was written. */
  unsaved: boolean;
  /** Why the last write of the sidecar failed (cleared by a write that succeeds). */
  saveError: string | undefined;
  undo: Annotation[][];
  redo: Annotation[][];
  /** Hash of the text as of the last change event, and the corrections each past text had. */
  textHash: string | undefined;
  byText: Map<string, Annotation[]>;
  loading: Promise<void> | undefined;
  /** The corrections the sidecar held when it was last read or written (the merge's base). */
  base: Annotation[];
  /** contentHash of the sidecar as last read or written (undefined: no file); a different one is an outside change. */
  fileHash: string | undefined;
  /** An outside change that conflicts with the corrections; nothing is written until it is settled. */
  conflict: PendingConflict | undefined;
}

/** The state of a document not loaded yet: its sidecar's path, or none for a document without a file. */
export function newDocState(sidecar: string | undefined): DocAnnotations {
  return {
    corrections: [],
    state: sidecar ? 'none' : 'memory',
    problems: [],
    sidecar,
    unsaved: false,
    saveError: undefined,
    undo: [],
    redo: [],
    textHash: undefined,
    byText: new Map(),
    loading: undefined,
    base: [],
    fileHash: undefined,
    conflict: undefined,
  };
}

/** A document's corrections state as the test command `bertLstm.annotationsState` returns it. */
export interface AnnotationsSnapshot {
  readonly state: SidecarState;
  readonly sidecar: string | undefined;
  readonly problems: readonly SidecarProblem[];
  /** Why the last write of the sidecar failed, as told to the user; undefined after a good write. */
  readonly saveError: string | undefined;
  /** Corrections not yet in the sidecar file. */
  readonly unsaved: boolean;
  readonly corrections: readonly Annotation[];
  readonly merged: readonly Annotation[];
  readonly undo: number;
  readonly redo: number;
  readonly decorations: ReadonlyArray<{ key: string; ranges: Array<[number, number]> }>;
  /** Labels changed both here and in the file outside the editor, waiting for the user's choice. */
  readonly conflicts: number;
}
