// Merging a sidecar that changed outside the editor (another tool, `git pull`, a second window)
// with the editor's corrections, as a three-way merge: `base` is what the file held when the
// editor last read or wrote it, `ours` the editor's corrections now, `theirs` the file now.
//
// A correction is keyed by the range it labels. For each range: the same on both sides, or
// changed on one side only (added, relabeled, removed), the change is taken; changed on both
// sides in different ways, it is a conflict, which the caller asks the user about (nothing is
// decided for them). Two different ranges that overlap, each added or changed on its own side,
// are a conflict too (a document's corrections never overlap). Everything is offsets-exact:
// the caller anchors `base` and `theirs` to the document's text first (anchorToText), as for
// any sidecar read.
import { byPosition, type Annotation } from './annotations';

export interface MergeConflict {
  /** The range (UTF-16 offsets) and its text, for the question to the user. */
  readonly start: number;
  readonly end: number;
  readonly text: string;
  /** The editor's version and the file's (empty: no label there on that side). */
  readonly ours: readonly Annotation[];
  readonly theirs: readonly Annotation[];
}

export interface MergeResult {
  /** Every correction both sides agree on or that one side changed; conflicts left out. */
  readonly merged: Annotation[];
  readonly conflicts: MergeConflict[];
  /** Whether the merge holds changes of the file (the editor must redraw). */
  readonly tookTheirs: boolean;
  /** Whether the merge holds changes of the editor that the file lacks (the file must be written). */
  readonly keptOurs: boolean;
}

const keyOf = (a: Annotation): string => `${a.start}:${a.end}`;

/** What a correction says (the file rounds scores to 1e-6: equal after rounding is equal). */
const sayOf = (a: Annotation | undefined): string =>
  a ? JSON.stringify([a.text, a.label, a.source, !!a.needsReview, a.score === undefined ? null : Math.round(a.score * 1e6)]) : '-';

function byKey(list: readonly Annotation[]): Map<string, Annotation> {
  const m = new Map<string, Annotation>();
  for (const a of list) m.set(keyOf(a), a);
  return m;
}

/** Merges the three versions (see the file comment). Pure. */
export function mergeSidecar(base: readonly Annotation[], ours: readonly Annotation[], theirs: readonly Annotation[]): MergeResult {
  const B = byKey(base);
  const O = byKey(ours);
  const T = byKey(theirs);
  const keys = new Set([...B.keys(), ...O.keys(), ...T.keys()]);
  const merged: Annotation[] = [];
  const conflicted = new Map<string, { ours: Annotation | undefined; theirs: Annotation | undefined }>();
  const changedBy = new Map<Annotation, 'ours' | 'theirs'>();
  let tookTheirs = false;
  let keptOurs = false;
  for (const k of keys) {
    const b = B.get(k);
    const o = O.get(k);
    const t = T.get(k);
    const sb = sayOf(b);
    const so = sayOf(o);
    const st = sayOf(t);
    if (so === st) {
      if (o) merged.push(o);
    } else if (so === sb) {
      tookTheirs = true;
      if (t) {
        merged.push(t);
        changedBy.set(t, 'theirs');
      }
    } else if (st === sb) {
      keptOurs = true;
      if (o) {
        merged.push(o);
        changedBy.set(o, 'ours');
      }
    } else conflicted.set(k, { ours: o, theirs: t });
  }
  // overlapping ranges changed on different sides: both out, asked about together
  merged.sort(byPosition);
  const out: Annotation[] = [];
  const conflicts: MergeConflict[] = [];
  const pending: Annotation[] = [];
  const flush = (): void => {
    if (pending.length === 0) return;
    const sides = new Set(pending.map((a) => changedBy.get(a)).filter(Boolean));
    if (pending.length > 1 && sides.size > 1) {
      const start = Math.min(...pending.map((a) => a.start));
      const end = Math.max(...pending.map((a) => a.end));
      const text = pending.reduce((acc, a) => (a.start === start && a.end - a.start > acc.length ? a.text : acc), pending[0].text);
      conflicts.push({
        start,
        end,
        text,
        ours: pending.filter((a) => sayOf(O.get(keyOf(a))) === sayOf(a)),
        theirs: pending.filter((a) => sayOf(T.get(keyOf(a))) === sayOf(a)),
      });
    } else out.push(...pending);
    pending.length = 0;
  };
  let reach = -1;
  for (const a of merged) {
    if (a.start >= reach) flush();
    pending.push(a);
    reach = Math.max(reach, a.end);
  }
  flush();
  for (const [k, c] of conflicted) {
    const [start, end] = k.split(':').map(Number);
    conflicts.push({ start, end, text: (c.ours ?? c.theirs)!.text, ours: c.ours ? [c.ours] : [], theirs: c.theirs ? [c.theirs] : [] });
  }
  conflicts.sort((a, b) => a.start - b.start || a.end - b.end);
  return { merged: out, conflicts, tookTheirs, keptOurs };
}

/** The merge with every conflict settled one way: the editor's version or the file's. */
export function settleConflicts(result: MergeResult, take: 'ours' | 'theirs'): Annotation[] {
  const chosen = result.conflicts.flatMap((c) => (take === 'ours' ? c.ours : c.theirs));
  return [...result.merged, ...chosen].sort(byPosition);
}

/** A conflict in words, for the question to the user. */
export function describeConflict(c: MergeConflict): string {
  const side = (list: readonly Annotation[]): string => (list.length ? list.map((a) => a.label).join(' + ') : 'no label');
  return `"${c.text}" (here: ${side(c.ours)}; in the file: ${side(c.theirs)})`;
}
