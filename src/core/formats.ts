// Export and import of labels in the formats training code reads:
//   conll   CoNLL-2003 style, one token per line (`token TAG`), IOB2 tags (or plain tags for
//           per-word labels such as UPOS), a blank line between sentences.
//   conllu  CoNLL-U, ten tab-separated columns; the label goes in UPOS (plain tags) or in MISC
//           as `NE=B-PER` (IOB2), `SpaceAfter=No` where the next token follows without a space.
//   spans   JSON Lines as Prodigy and doccano read them: {"text", "spans": [{start, end, label}],
//           "label": [[start, end, label]]}, offsets in Unicode code points (Python's indices).
// Tokens are the words of the text as the model's word splitter finds them (the caller passes
// their spans). Import checks every token against the text: the first token that does not
// match is reported with its line number and nothing is imported.
import { REMOVED_LABEL, byPosition, type Annotation, type AnnotationSource } from './annotations';

export type WordSpan = readonly [start: number, end: number];
export type ExportFormat = 'conll' | 'conllu' | 'spans';
export const EXPORT_FORMATS: readonly ExportFormat[] = ['conll', 'conllu', 'spans'];
/** `iob2`: B-X / I-X / O tags for spans; `plain`: each token's own label (UPOS), O for none. */
export type Tagging = 'iob2' | 'plain';

export interface FormatProblem {
  /** 1-based line of the imported file (0: the file as a whole, or the document for exports). */
  readonly line: number;
  readonly message: string;
}

export interface Exported {
  readonly content: string;
  /** Things that did not map exactly (labels not at word boundaries, overlaps); nothing is lost silently. */
  readonly warnings: FormatProblem[];
}

export type Imported = { ok: true; annotations: Annotation[]; warnings: FormatProblem[] } | { ok: false; problems: FormatProblem[] };

export const FORMAT_EXTENSIONS: Record<ExportFormat, string> = { conll: '.conll', conllu: '.conllu', spans: '.jsonl' };

/** The format a file name suggests, if any. */
export function formatOfFile(name: string): ExportFormat | undefined {
  const lower = name.toLowerCase();
  if (lower.endsWith('.conllu')) return 'conllu';
  if (lower.endsWith('.conll') || lower.endsWith('.iob') || lower.endsWith('.iob2') || lower.endsWith('.bio')) return 'conll';
  if (lower.endsWith('.jsonl') || lower.endsWith('.json')) return 'spans';
  return undefined;
}

interface Token {
  readonly start: number;
  readonly end: number;
  readonly text: string;
  tag: string;
}

/** Human position of an offset in the document, for messages. */
function where(text: string, offset: number): string {
  let line = 1;
  let col = 1;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text[i] === '\n') {
      line++;
      col = 1;
    } else col++;
  }
  return `${line}:${col}`;
}

const safeLabel = (label: string): string => label.replace(/\s+/g, '_');

/** Each token with its tag from the annotations (removals and unlabeled tokens are O). */
function tagTokens(text: string, words: readonly WordSpan[], annotations: readonly Annotation[], tagging: Tagging): { tokens: Token[]; warnings: FormatProblem[] } {
  const tokens: Token[] = words.map(([s, e]) => ({ start: s, end: e, text: text.slice(s, e), tag: 'O' }));
  const warnings: FormatProblem[] = [];
  const taken = new Array<boolean>(tokens.length).fill(false);
  let first = 0;
  for (const a of [...annotations].filter((x) => x.label !== REMOVED_LABEL).sort(byPosition)) {
    while (first < tokens.length && tokens[first].end <= a.start) first++;
    const covered: number[] = [];
    for (let i = first; i < tokens.length && tokens[i].start < a.end; i++) covered.push(i);
    const at = `"${a.text}" at ${where(text, a.start)}`;
    if (covered.length === 0) {
      warnings.push({ line: 0, message: `${at} (${a.label}) covers no word; not exported` });
      continue;
    }
    if (covered.some((i) => taken[i])) {
      warnings.push({ line: 0, message: `${at} (${a.label}) overlaps a label before it; not exported` });
      continue;
    }
    if (tokens[covered[0]].start !== a.start || tokens[covered[covered.length - 1]].end !== a.end) {
      warnings.push({ line: 0, message: `${at} (${a.label}) does not start and end at word boundaries; exported as the words it overlaps` });
    }
    if (tagging === 'plain' && covered.length > 1) {
      warnings.push({ line: 0, message: `${at} (${a.label}) covers ${covered.length} words; each gets the label` });
    }
    if (/\s/.test(a.label)) warnings.push({ line: 0, message: `label "${a.label}" has spaces; written as "${safeLabel(a.label)}"` });
    const label = safeLabel(a.label);
    covered.forEach((i, k) => {
      taken[i] = true;
      tokens[i].tag = tagging === 'plain' ? label : `${k === 0 ? 'B' : 'I'}-${label}`;
    });
  }
  return { tokens, warnings };
}

/** Sentences as token index ranges: a break after . ! ? and wherever a line ends between two tokens. */
function sentences(text: string, tokens: readonly Token[]): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  let from = 0;
  for (let i = 0; i < tokens.length; i++) {
    const next = tokens[i + 1];
    const end = !next || /^[.!?]+$/.test(tokens[i].text) || text.slice(tokens[i].end, next.start).includes('\n');
    if (end) {
      out.push([from, i + 1]);
      from = i + 1;
    }
  }
  return out;
}

export function exportConll(text: string, words: readonly WordSpan[], annotations: readonly Annotation[], tagging: Tagging): Exported {
  const { tokens, warnings } = tagTokens(text, words, annotations, tagging);
  const blocks = sentences(text, tokens).map(([a, b]) => tokens.slice(a, b).map((t) => `${t.text} ${t.tag}`).join('\n'));
  return { content: blocks.length ? blocks.join('\n\n') + '\n' : '', warnings };
}

export function exportConllu(text: string, words: readonly WordSpan[], annotations: readonly Annotation[], tagging: Tagging, documentName?: string): Exported {
  const { tokens, warnings } = tagTokens(text, words, annotations, tagging);
  const out: string[] = [];
  if (documentName) out.push(`# newdoc id = ${documentName.replace(/\s+/g, '_')}`);
  sentences(text, tokens).forEach(([a, b], n) => {
    out.push(`# sent_id = ${n + 1}`);
    out.push(`# text = ${text.slice(tokens[a].start, tokens[b - 1].end).replace(/\s+/g, ' ')}`);
    for (let i = a; i < b; i++) {
      const t = tokens[i];
      const misc: string[] = [];
      if (tagging === 'iob2') misc.push(`NE=${t.tag}`);
      if (i + 1 < b && tokens[i + 1].start === t.end) misc.push('SpaceAfter=No');
      const upos = tagging === 'plain' && t.tag !== 'O' ? t.tag : '_';
      out.push([i - a + 1, t.text, '_', upos, '_', '_', '_', '_', '_', misc.length ? misc.join('|') : '_'].join('\t'));
    }
    out.push('');
  });
  return { content: out.length ? out.join('\n') + '\n' : '', warnings };
}

/** UTF-16 offset -> code point offset, for every offset of the text (length + 1 entries). */
function codePointIndex(text: string): Int32Array {
  const map = new Int32Array(text.length + 1);
  let cp = 0;
  for (let i = 0; i < text.length; i++) {
    map[i] = cp;
    const c = text.charCodeAt(i);
    const pair = c >= 0xd800 && c <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00;
    if (pair) map[++i] = cp;
    cp++;
  }
  map[text.length] = cp;
  return map;
}

/** Code point offset -> UTF-16 offset (length: code points + 1). */
function utf16Index(text: string): number[] {
  const out: number[] = [];
  for (let i = 0; i < text.length; ) {
    out.push(i);
    const c = text.codePointAt(i)!;
    i += c > 0xffff ? 2 : 1;
  }
  out.push(text.length);
  return out;
}

export function exportSpans(text: string, annotations: readonly Annotation[]): Exported {
  const cp = codePointIndex(text);
  const kept = [...annotations].filter((a) => a.label !== REMOVED_LABEL).sort(byPosition);
  const spans = kept.map((a) => ({ start: cp[a.start], end: cp[a.end], label: a.label }));
  const record = { text, spans, label: spans.map((s) => [s.start, s.end, s.label]) };
  return { content: JSON.stringify(record) + '\n', warnings: [] };
}

export function exportAs(format: ExportFormat, text: string, words: readonly WordSpan[], annotations: readonly Annotation[], tagging: Tagging, documentName?: string): Exported {
  if (format === 'conll') return exportConll(text, words, annotations, tagging);
  if (format === 'conllu') return exportConllu(text, words, annotations, tagging, documentName);
  return exportSpans(text, annotations);
}

// Characters that may lie between tokens: spaces, line breaks, and the control and format
// characters the word splitter drops.
const BETWEEN = /[\s\p{Z}\p{Cc}\p{Cf}]/u;

/** Finds each token in the text in order; the first that is not where it should be is a problem. */
class Aligner {
  private cursor = 0;
  constructor(private readonly text: string) {}

  align(token: string, line: number): { start: number; end: number } | FormatProblem {
    const t = this.text;
    while (this.cursor < t.length) {
      const cp = t.codePointAt(this.cursor)!;
      const ch = String.fromCodePoint(cp);
      if (!BETWEEN.test(ch)) break;
      this.cursor += ch.length;
    }
    if (t.startsWith(token, this.cursor)) {
      const start = this.cursor;
      this.cursor += token.length;
      return { start, end: this.cursor };
    }
    const found = t.slice(this.cursor, this.cursor + Math.max(token.length, 1) + 10);
    const what = this.cursor >= t.length ? 'the end of the text' : `"${found}"`;
    return { line, message: `token "${token}" does not match the text at ${where(t, this.cursor)} (offset ${this.cursor}), which has ${what}` };
  }

  rest(): string {
    return this.text.slice(this.cursor).replace(new RegExp(BETWEEN.source, 'gu'), '');
  }
}

interface TaggedToken {
  readonly start: number;
  readonly end: number;
  readonly tag: string;
  readonly line: number;
}

/** Annotations from tagged tokens: IOB2 (IOB1 and BIOES read too) or plain tags. */
function annotationsFromTags(text: string, tokens: readonly TaggedToken[], source: AnnotationSource): { annotations: Annotation[]; warnings: FormatProblem[] } {
  const annotations: Annotation[] = [];
  const warnings: FormatProblem[] = [];
  let open: { start: number; end: number; type: string } | undefined;
  const close = (): void => {
    if (open) annotations.push({ start: open.start, end: open.end, text: text.slice(open.start, open.end), label: open.type, source });
    open = undefined;
  };
  let prevEnd = -1;
  for (const tok of tokens) {
    const m = /^([BIES])-(.+)$/.exec(tok.tag);
    if (tok.tag === 'O' || tok.tag === '_' || tok.tag === '') {
      close();
    } else if (!m) {
      close();
      annotations.push({ start: tok.start, end: tok.end, text: text.slice(tok.start, tok.end), label: tok.tag, source });
    } else {
      const [, bi, type] = m;
      const continues = open && open.type === type && (bi === 'I' || bi === 'E') && prevEnd === open.end;
      if (continues) open!.end = tok.end;
      else {
        if (bi === 'I' || bi === 'E') warnings.push({ line: tok.line, message: `${tok.tag} does not continue a ${type} span; it starts one` });
        close();
        open = { start: tok.start, end: tok.end, type };
      }
      if (bi === 'E' || bi === 'S') close();
    }
    prevEnd = tok.end;
  }
  close();
  return { annotations, warnings };
}

function finishImport(text: string, aligner: Aligner, tokens: TaggedToken[], source: AnnotationSource, problems: FormatProblem[], warnings: FormatProblem[]): Imported {
  if (problems.length) return { ok: false, problems };
  const rest = aligner.rest();
  if (rest.length) warnings.push({ line: 0, message: `the file ends before the text does: ${rest.length} characters after its last token have no tags` });
  const fromTags = annotationsFromTags(text, tokens, source);
  return { ok: true, annotations: fromTags.annotations, warnings: [...warnings, ...fromTags.warnings] };
}

/** Reads a CoNLL (IOB2) file against the document's text: first column the token, last the tag. */
export function importConll(content: string, text: string, source: AnnotationSource = 'corrected'): Imported {
  const aligner = new Aligner(text);
  const tokens: TaggedToken[] = [];
  const problems: FormatProblem[] = [];
  const lines = content.split(/\r?\n/);
  for (let i = 0; i < lines.length && problems.length === 0; i++) {
    const line = i + 1;
    const raw = lines[i].trim();
    if (raw === '' || raw.startsWith('-DOCSTART-')) continue;
    const cols = raw.split(/\s+/);
    if (cols.length < 2) {
      problems.push({ line, message: `expected a token and a tag, found "${raw}"` });
      break;
    }
    const placed = aligner.align(cols[0], line);
    if ('message' in placed) problems.push(placed);
    else tokens.push({ ...placed, tag: cols[cols.length - 1], line });
  }
  return finishImport(text, aligner, tokens, source, problems, []);
}

/** Reads a CoNLL-U file against the document's text: the tag is MISC's NE= when present, else UPOS. */
export function importConllu(content: string, text: string, source: AnnotationSource = 'corrected'): Imported {
  const aligner = new Aligner(text);
  const tokens: TaggedToken[] = [];
  const problems: FormatProblem[] = [];
  const warnings: FormatProblem[] = [];
  // A multiword token (`3-4 don't`) is what is in the text; its words (`do`, `n't`) are not.
  let multiword: { start: number; end: number; line: number; last: number; tag?: string } | undefined;
  const flushMultiword = (): void => {
    if (multiword) tokens.push({ start: multiword.start, end: multiword.end, tag: multiword.tag ?? 'O', line: multiword.line });
    multiword = undefined;
  };
  const lines = content.split(/\r?\n/);
  for (let i = 0; i < lines.length && problems.length === 0; i++) {
    const line = i + 1;
    const raw = lines[i];
    if (raw.trim() === '' || raw.startsWith('#')) continue;
    const cols = raw.split('\t');
    if (cols.length !== 10) {
      problems.push({ line, message: `a CoNLL-U word line has 10 tab-separated columns; this one has ${cols.length}` });
      break;
    }
    const [id, form, , upos, , , , , , misc] = cols;
    if (/^\d+\.\d+$/.test(id)) continue; // an empty node: not in the text
    const ne = misc.split('|').find((m) => m.startsWith('NE='))?.slice(3);
    const tag = ne ?? (upos === '_' ? 'O' : upos);
    const range = /^(\d+)-(\d+)$/.exec(id);
    if (range) {
      flushMultiword();
      const placed = aligner.align(form, line);
      if ('message' in placed) problems.push(placed);
      else multiword = { ...placed, line, last: Number(range[2]) };
      continue;
    }
    if (!/^\d+$/.test(id)) {
      problems.push({ line, message: `"${id}" is not a word ID` });
      break;
    }
    if (multiword && Number(id) <= multiword.last) {
      // The multiword token takes its first word's tag.
      multiword.tag ??= tag;
      if (Number(id) === multiword.last) flushMultiword();
      continue;
    }
    flushMultiword();
    const placed = aligner.align(form, line);
    if ('message' in placed) problems.push(placed);
    else tokens.push({ ...placed, tag, line });
  }
  flushMultiword();
  return finishImport(text, aligner, tokens, source, problems, warnings);
}

type RawSpan = { start: unknown; end: unknown; label: unknown; text?: unknown };

function rawSpans(record: Record<string, unknown>): RawSpan[] | undefined {
  const fromList = (v: unknown): RawSpan[] | undefined => {
    if (!Array.isArray(v)) return undefined;
    return v.map((s): RawSpan => {
      if (Array.isArray(s)) return { start: s[0], end: s[1], label: s[2] };
      const o = (s ?? {}) as Record<string, unknown>;
      return { start: o.start ?? o.start_offset, end: o.end ?? o.end_offset, label: o.label, text: o.text };
    });
  };
  return fromList(record.spans) ?? fromList(record.label) ?? fromList(record.entities);
}

/**
 * Reads Prodigy / doccano JSON Lines: the record whose "text" is the document's text, its spans
 * from "spans" ([{start, end, label}]), "label" ([[start, end, label]]) or "entities" (either
 * form, or doccano's start_offset/end_offset), offsets in code points.
 */
export function importSpans(content: string, text: string, source: AnnotationSource = 'corrected'): Imported {
  const lines = content.split(/\r?\n/);
  const problems: FormatProblem[] = [];
  const warnings: FormatProblem[] = [];
  let record: Record<string, unknown> | undefined;
  let recordLine = 0;
  let records = 0;
  let firstDiff: FormatProblem | undefined;
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].trim() === '') continue;
    let v: unknown;
    try {
      v = JSON.parse(lines[i]);
    } catch (e) {
      return { ok: false, problems: [{ line: i + 1, message: `not JSON: ${(e as Error).message}` }] };
    }
    records++;
    const o = v as Record<string, unknown>;
    if (!o || typeof o !== 'object' || typeof o.text !== 'string') {
      return { ok: false, problems: [{ line: i + 1, message: 'a record must be an object with a "text" string' }] };
    }
    if (o.text === text) {
      if (record) warnings.push({ line: i + 1, message: `the document's text is also on line ${recordLine}; line ${recordLine} was used` });
      else {
        record = o;
        recordLine = i + 1;
      }
    } else if (!firstDiff) {
      let d = 0;
      while (d < o.text.length && d < text.length && o.text[d] === text[d]) d++;
      firstDiff = { line: i + 1, message: `its "text" differs from the document at ${where(text, d)} (offset ${d})` };
    }
  }
  if (!record) {
    if (records === 1 && firstDiff) return { ok: false, problems: [firstDiff] };
    return { ok: false, problems: [{ line: 0, message: records ? `none of the ${records} records has the document's text` : 'the file has no records' }] };
  }
  const spans = rawSpans(record);
  if (!spans) return { ok: false, problems: [{ line: recordLine, message: 'the record has no "spans", "label" or "entities" list' }] };
  const u16 = utf16Index(text);
  const cps = u16.length - 1;
  const annotations: Annotation[] = [];
  spans.forEach((s, k) => {
    const at = `span ${k + 1}`;
    if (!Number.isInteger(s.start) || !Number.isInteger(s.end) || (s.start as number) < 0 || (s.end as number) <= (s.start as number) || (s.end as number) > cps) {
      problems.push({ line: recordLine, message: `${at}: start and end must be whole numbers with 0 <= start < end <= ${cps} (code points), found ${JSON.stringify([s.start, s.end])}` });
      return;
    }
    if (typeof s.label !== 'string' || s.label.length === 0) {
      problems.push({ line: recordLine, message: `${at}: "label" must be a non-empty string` });
      return;
    }
    const start = u16[s.start as number];
    const end = u16[s.end as number];
    const covered = text.slice(start, end);
    if (s.text !== undefined && s.text !== covered) {
      problems.push({ line: recordLine, message: `${at}: its "text" ${JSON.stringify(s.text)} is not the text at its offsets, ${JSON.stringify(covered)}` });
      return;
    }
    annotations.push({ start, end, text: covered, label: s.label, source });
  });
  if (problems.length) return { ok: false, problems };
  return { ok: true, annotations: annotations.sort(byPosition), warnings };
}

export function importAs(format: ExportFormat, content: string, text: string, source: AnnotationSource = 'corrected'): Imported {
  if (format === 'conll') return importConll(content, text, source);
  if (format === 'conllu') return importConllu(content, text, source);
  return importSpans(content, text, source);
}
