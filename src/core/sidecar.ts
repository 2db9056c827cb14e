// The sidecar annotation file kept next to a document: JSON Lines, a header line with the schema
// and its version, then one annotation per line with UTF-16 offsets and the covered text (so
// that a reader can check the labels still fit the document). See docs/WORKFLOW.md.
//
// Reading returns problems as values with line numbers; a file that cannot be read is reported
// and must never be overwritten (the caller keeps that state). Writing is atomic: a temporary
// file in the same folder, written, flushed to disk, then renamed over the old one, so a failure
// part way leaves the old file whole (atomic_write.ts).
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { ANNOTATION_SOURCES, byPosition, type Annotation, type AnnotationSource } from './annotations';

export const SIDECAR_SCHEMA = 'bert-lstm-annotations';
export const SIDECAR_VERSION = 1;

export interface SidecarHeader {
  readonly schema: typeof SIDECAR_SCHEMA;
  readonly version: number;
  /** The document's file name, for people reading the file. */
  readonly document?: string;
  /** Offsets count UTF-16 code units (VS Code's, JavaScript's). */
  readonly offsets: 'utf-16';
}

export interface SidecarProblem {
  /** 1-based line number in the file (0: the file as a whole). */
  readonly line: number;
  readonly message: string;
}

export type SidecarParse = { ok: true; header: SidecarHeader; annotations: Annotation[] } | { ok: false; problems: SidecarProblem[] };

function problem(line: number, message: string): SidecarProblem {
  return { line, message };
}

function checkAnnotation(v: unknown, line: number, problems: SidecarProblem[]): Annotation | undefined {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    problems.push(problem(line, 'an annotation must be a JSON object'));
    return undefined;
  }
  const o = v as Record<string, unknown>;
  const bad = (m: string): undefined => {
    problems.push(problem(line, m));
    return undefined;
  };
  if (!Number.isInteger(o.start) || (o.start as number) < 0) return bad('"start" must be a whole number >= 0');
  if (!Number.isInteger(o.end) || (o.end as number) <= (o.start as number)) return bad('"end" must be a whole number greater than "start"');
  if (typeof o.text !== 'string') return bad('"text" must be a string');
  if (o.text.length !== (o.end as number) - (o.start as number))
    return bad(`"text" has ${o.text.length} UTF-16 units but end - start is ${(o.end as number) - (o.start as number)}`);
  if (typeof o.label !== 'string' || o.label.length === 0) return bad('"label" must be a non-empty string');
  if (!ANNOTATION_SOURCES.includes(o.source as AnnotationSource)) return bad(`"source" must be one of ${ANNOTATION_SOURCES.join(', ')}`);
  if (o.needsReview !== undefined && typeof o.needsReview !== 'boolean') return bad('"needsReview" must be true or false');
  if (o.score !== undefined && !(typeof o.score === 'number' && o.score >= 0 && o.score <= 1))
    return bad('"score" must be a number from 0 to 1');
  const a: Annotation = {
    start: o.start as number,
    end: o.end as number,
    text: o.text,
    label: o.label,
    source: o.source as AnnotationSource,
    ...(o.needsReview ? { needsReview: true } : {}),
    ...(typeof o.score === 'number' ? { score: o.score } : {}),
  };
  return a;
}

/** Parses a sidecar file's content. Any problem makes the whole file unusable (nothing is half read). */
export function parseSidecar(content: string): SidecarParse {
  const lines = content.split(/\r?\n/);
  const problems: SidecarProblem[] = [];
  let header: SidecarHeader | undefined;
  const annotations: Annotation[] = [];
  lines.forEach((raw, i) => {
    const line = i + 1;
    if (raw.trim() === '') return;
    let v: unknown;
    try {
      v = JSON.parse(raw);
    } catch (e) {
      problems.push(problem(line, `not JSON: ${(e as Error).message}`));
      return;
    }
    if (!header) {
      const h = v as Partial<SidecarHeader> | null;
      if (!h || typeof h !== 'object' || h.schema !== SIDECAR_SCHEMA) {
        problems.push(
          problem(line, `the first line must be the header {"schema": "${SIDECAR_SCHEMA}", "version": ${SIDECAR_VERSION}, ...}`),
        );
        header = { schema: SIDECAR_SCHEMA, version: -1, offsets: 'utf-16' };
        return;
      }
      if (h.version !== SIDECAR_VERSION) {
        problems.push(
          problem(line, `schema version ${String(h.version)} is not supported (this extension reads version ${SIDECAR_VERSION})`),
        );
      }
      if (h.offsets !== undefined && h.offsets !== 'utf-16')
        problems.push(problem(line, `offsets "${String(h.offsets)}" are not supported (utf-16 only)`));
      header = {
        schema: SIDECAR_SCHEMA,
        version: h.version as number,
        offsets: 'utf-16',
        ...(typeof h.document === 'string' ? { document: h.document } : {}),
      };
      return;
    }
    const a = checkAnnotation(v, line, problems);
    if (a) annotations.push(a);
  });
  if (!header) problems.push(problem(0, 'the file is empty (no header line)'));
  if (problems.length) return { ok: false, problems };
  return { ok: true, header: header!, annotations: annotations.sort(byPosition) };
}

/** The file's content for a document's annotations (sorted by position, one per line). */
export function serializeSidecar(annotations: readonly Annotation[], documentName?: string): string {
  const header: SidecarHeader = {
    schema: SIDECAR_SCHEMA,
    version: SIDECAR_VERSION,
    offsets: 'utf-16',
    ...(documentName ? { document: documentName } : {}),
  };
  const lines = [JSON.stringify(header)];
  for (const a of [...annotations].sort(byPosition)) {
    lines.push(
      JSON.stringify({
        start: a.start,
        end: a.end,
        text: a.text,
        label: a.label,
        source: a.source,
        ...(a.needsReview ? { needsReview: true } : {}),
        ...(a.score !== undefined ? { score: Math.round(a.score * 1e6) / 1e6 } : {}),
      }),
    );
  }
  return lines.join('\n') + '\n';
}

export interface SidecarLocation {
  /** Folder for sidecars, relative to the document's folder ('' = next to it), or absolute. */
  readonly folder: string;
  /** Appended to the document's file name. */
  readonly suffix: string;
}

export const DEFAULT_SIDECAR: SidecarLocation = { folder: '', suffix: '.labels.jsonl' };

/** Where a document's sidecar lives. */
export function sidecarPath(documentPath: string, where: SidecarLocation = DEFAULT_SIDECAR): string {
  const dir = path.dirname(documentPath);
  const folder = path.isAbsolute(where.folder) ? where.folder : path.join(dir, where.folder);
  const suffix = where.suffix.trim() || DEFAULT_SIDECAR.suffix;
  return path.join(folder, path.basename(documentPath) + suffix);
}

/**
 * A sidecar as read: missing (no labels yet), its annotations, or why it cannot be used. `hash`
 * identifies the content read (contentHash), so that a writer can tell whether the file changed
 * since (sidecar_merge.ts).
 */
export type SidecarRead =
  | { kind: 'missing' }
  | { kind: 'ok'; annotations: Annotation[]; hash: string }
  | { kind: 'unreadable'; problems: SidecarProblem[]; hash?: string };

/** What identifies a file's content (SHA-1 of its bytes). */
export const contentHash = (content: string | Uint8Array): string => createHash('sha1').update(content).digest('base64');

/** Reads a sidecar: missing (no labels yet), its annotations, or why it cannot be used. */
export async function readSidecar(file: string): Promise<SidecarRead> {
  let content: string;
  try {
    content = await fs.readFile(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { kind: 'missing' };
    return { kind: 'unreadable', problems: [problem(0, `cannot read the file: ${code ?? (e as Error).message}`)] };
  }
  const parsed = parseSidecar(content);
  const hash = contentHash(content);
  return parsed.ok ? { kind: 'ok', annotations: parsed.annotations, hash } : { kind: 'unreadable', problems: parsed.problems, hash };
}

// The atomic write (links followed, mode and owner kept, hard links written in place) is
// atomic_write.ts's; sidecar writers and the exports use it from here.
export { NODE_WRITE_OPS, writeFileAtomic, type AtomicWriteOps } from './atomic_write';
