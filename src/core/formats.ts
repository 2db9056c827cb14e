// Export and import of labels in the formats training code reads:
//   conll   CoNLL-2003 style, one token per line (`token TAG`), IOB2 tags (or plain tags for
//           per-word labels such as UPOS), a blank line between sentences.
//   conllu  CoNLL-U, ten tab-separated columns; the label goes in UPOS (plain tags) or in MISC
//           as `NE=B-PER` (IOB2), `SpaceAfter=No` where the next token follows without a space.
//   spans   JSON Lines as Prodigy and doccano read them: {"text", "spans": [{start, end, label}],
//           "label": [[start, end, label]]}, offsets in Unicode code points (Python's indices).
// Tokens are the words of the text as the model's word splitter finds them (the caller passes
// their spans). Import checks every token against the text: the first token that does not
// match is reported with its line number and nothing is imported, and an import says what of
// the file it kept and what it left out.
// Export is linear in the text and made as a generator of chunks with pause points
// (`exportChunks`): the editor runs it in slices on the extension host's thread
// (`exportAsYielding`), and a writer can stream the chunks.
import { REMOVED_LABEL, byPosition, type Annotation, type AnnotationSource } from './annotations';
import { Pause } from './turns';

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

export type Imported =
  | {
      ok: true;
      annotations: Annotation[];
      warnings: FormatProblem[];
      /** What of the file was kept and what was left out, in words (CoNLL-U: columns, comments, multiword tokens, empty nodes). */
      summary?: string;
      /** The file's sentence boundaries and ids, for a re-export that keeps them (CoNLL-U). */
      layout?: SentenceLayout;
    }
  | { ok: false; problems: FormatProblem[] };

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

/** Imported sentence boundaries and ids that a re-export keeps (offsets into the text, UTF-16). */
export interface SentenceLayout {
  readonly sentences: ReadonlyArray<{ readonly start: number; readonly end: number; readonly id?: string }>;
}

export interface ExportOptions {
  /** CoNLL-U: the `# newdoc id` line (spaces become `_`). */
  readonly documentName?: string;
  /** CoNLL-U: the first sentence's `sent_id` when the layout gives none (ids run on from it). */
  readonly firstSentenceId?: number;
  /** Sentence boundaries and ids to keep (from an imported CoNLL-U file of the same text). */
  readonly layout?: SentenceLayout;
  /**
   * The parts of the text that were labeled (prose only), as code point [start, end) pairs:
   * spans records get `labeled_ranges`, CoNLL-U a `# labeled_ranges = s-e ...` comment before the
   * first sentence. Absent: the whole text was labeled.
   */
  readonly labeledRanges?: ReadonlyArray<readonly [number, number]>;
}

/** What an export run found besides its content: warnings, and how many sentences it wrote. */
export interface ExportRun {
  readonly warnings: FormatProblem[];
  sentences: number;
}

// Tokens and annotations between two pause points of the chunked export: every step of the
// export is linear in the text, and a caller on the editor's thread yields between chunks.
const STEP = 2048;

/**
 * Line and column of offsets, for messages: the line starts are found once, on the first
 * question, and each answer is a binary search (a scan from offset 0 per message made an
 * export with many warnings quadratic).
 */
class Positions {
  private starts: number[] | undefined;
  constructor(private readonly text: string) {}

  at(offset: number): string {
    if (!this.starts) {
      this.starts = [0];
      for (let i = this.text.indexOf('\n'); i >= 0; i = this.text.indexOf('\n', i + 1)) this.starts.push(i + 1);
    }
    const o = Math.max(0, Math.min(offset, this.text.length));
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid] <= o) lo = mid;
      else hi = mid - 1;
    }
    return `${lo + 1}:${o - this.starts[lo] + 1}`;
  }
}

/** Human position of an offset in the document, for a single message. */
const where = (text: string, offset: number): string => new Positions(text).at(offset);

/** A label as a format can hold it: whitespace splits CoNLL columns, `|` separates CoNLL-U's MISC entries. */
const safeLabel = (label: string, format: ExportFormat): string => label.replace(format === 'conllu' ? /[\s|]+/g : /\s+/g, '_');

/** Each token with its tag from the annotations (removals and unlabeled tokens are O). */
function* tagTokens(
  text: string,
  words: Iterable<WordSpan>,
  annotations: readonly Annotation[],
  tagging: Tagging,
  format: ExportFormat,
  warnings: FormatProblem[],
): Generator<string, Token[]> {
  const tokens: Token[] = [];
  for (const [s, e] of words) {
    tokens.push({ start: s, end: e, text: text.slice(s, e), tag: 'O' });
    if (tokens.length % STEP === 0) yield '';
  }
  const positions = new Positions(text);
  const taken = new Uint8Array(tokens.length);
  const renamed = new Set<string>();
  let first = 0;
  let n = 0;
  for (const a of annotations.filter((x) => x.label !== REMOVED_LABEL).sort(byPosition)) {
    if (++n % STEP === 0) yield '';
    while (first < tokens.length && tokens[first].end <= a.start) first++;
    let last = first;
    while (last < tokens.length && tokens[last].start < a.end) last++;
    const count = last - first;
    const at = (): string => `"${a.text}" at ${positions.at(a.start)}`;
    if (count === 0) {
      warnings.push({ line: 0, message: `${at()} (${a.label}) covers no word; not exported` });
      continue;
    }
    let overlaps = false;
    for (let i = first; i < last && !overlaps; i++) overlaps = taken[i] === 1;
    if (overlaps) {
      warnings.push({ line: 0, message: `${at()} (${a.label}) overlaps a label before it; not exported` });
      continue;
    }
    if (tokens[first].start !== a.start || tokens[last - 1].end !== a.end) {
      warnings.push({
        line: 0,
        message: `${at()} (${a.label}) does not start and end at word boundaries; exported as the words it overlaps`,
      });
    }
    if (tagging === 'plain' && count > 1) {
      warnings.push({ line: 0, message: `${at()} (${a.label}) covers ${count} words; each gets the label` });
    }
    const label = safeLabel(a.label, format);
    if (label !== a.label && !renamed.has(a.label)) {
      renamed.add(a.label);
      warnings.push({
        line: 0,
        message: `label "${a.label}" cannot be written in ${format === 'conllu' ? 'CoNLL-U (no spaces or "|")' : 'CoNLL (no spaces)'}; written as "${label}"`,
      });
    }
    for (let i = first; i < last; i++) {
      taken[i] = 1;
      tokens[i].tag = tagging === 'plain' ? label : `${i === first ? 'B' : 'I'}-${label}`;
    }
  }
  return tokens;
}

/** Whether the default sentence splitter ends a sentence after token i. */
function endsSentence(text: string, tokens: readonly Token[], i: number): boolean {
  const next = tokens[i + 1];
  if (!next) return true;
  if (/^[.!?]+$/.test(tokens[i].text)) return true;
  const nl = text.indexOf('\n', tokens[i].end);
  return nl >= 0 && nl < next.start;
}

/**
 * Sentences as token index ranges with their ids, if the layout gives them: a break after
 * . ! ? and wherever a line ends between two tokens; with a layout, its sentences (a token
 * belongs to the sentence its start is in), and the default breaks for tokens outside them.
 */
function sentences(text: string, tokens: readonly Token[], layout?: SentenceLayout): Array<[number, number, string | undefined]> {
  const out: Array<[number, number, string | undefined]> = [];
  const laid = [...(layout?.sentences ?? [])].sort((a, b) => a.start - b.start);
  let k = 0;
  let from = 0;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    while (k < laid.length && laid[k].end <= t.start) k++;
    const inLaid = k < laid.length && laid[k].start <= t.start;
    if (inLaid) {
      const next = tokens[i + 1];
      const nextIn = next !== undefined && next.start < laid[k].end;
      if (!nextIn) {
        out.push([from, i + 1, laid[k].id]);
        from = i + 1;
      }
      continue;
    }
    const next = tokens[i + 1];
    const nextLaid = next !== undefined && k < laid.length && laid[k].start <= next.start;
    if (endsSentence(text, tokens, i) || nextLaid) {
      out.push([from, i + 1, undefined]);
      from = i + 1;
    }
  }
  return out;
}

function* conllChunks(text: string, tokens: readonly Token[], run: ExportRun): Generator<string> {
  let first = true;
  for (const [a, b] of sentences(text, tokens)) {
    let block = first ? '' : '\n';
    first = false;
    for (let i = a; i < b; i++) {
      block += `${tokens[i].text} ${tokens[i].tag}\n`;
      if ((i - a) % STEP === STEP - 1) {
        yield block;
        block = '';
      }
    }
    run.sentences++;
    yield block;
  }
}

// CoNLL-U's text and forms (UD's format rules): forms are NFC and hold no whitespace; `# text`
// is exactly the forms joined by one space, or by nothing where the token has SpaceAfter=No.
// Characters the word splitter drops (zero-width and format characters, controls) are in
// neither: a gap of only such characters is SpaceAfter=No. A gap of whitespace other than one
// space is kept in MISC as SpacesAfter (UD's escapes), not in `# text`.
const WHITESPACE_IN_GAP = /[\s\p{Z}]/u;
const COMBINING_START = /^\p{M}/u;

function spacesAfter(gap: string): string | undefined {
  const ws = [...gap].filter((c) => WHITESPACE_IN_GAP.test(c)).join('');
  if (ws === ' ' || ws === '') return undefined;
  return ws.replace(/[\\ \t\n\r|]|[^\S \t\n\r]/gu, (c) => {
    const named: Record<string, string> = { '\\': '\\\\', ' ': '\\s', '\t': '\\t', '\n': '\\n', '\r': '\\r', '|': '\\p' };
    return named[c] ?? `\\u${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
  });
}

function* conlluChunks(
  text: string,
  tokens: readonly Token[],
  tagging: Tagging,
  options: ExportOptions,
  run: ExportRun,
): Generator<string> {
  // a document without words writes nothing: a newdoc line must come with a sentence
  let newdoc = options.documentName ? `# newdoc id = ${options.documentName.replace(/\s+/g, '_')}\n` : '';
  if (options.labeledRanges) newdoc += `${labeledRangesComment(options.labeledRanges)}\n`;
  const used = new Set<string>();
  let counter = options.firstSentenceId ?? 1;
  const freshId = (): string => {
    while (used.has(String(counter))) counter++;
    return String(counter++);
  };
  for (const [a, b, laidId] of sentences(text, tokens, options.layout)) {
    let id = laidId ?? freshId();
    if (used.has(id)) id = `${id}-${freshId()}`;
    used.add(id);
    const forms: string[] = [];
    const noSpace: boolean[] = [];
    const extra: Array<string | undefined> = [];
    let sentenceText = '';
    for (let i = a; i < b; i++) {
      const form = tokens[i].text.normalize('NFC').replace(/\s/gu, '_');
      if (i > a) {
        const gap = text.slice(tokens[i - 1].end, tokens[i].start);
        // a form that starts with a combining mark would compose with the form before it
        // (the text would then not be NFC): a space keeps them apart
        const joined = !WHITESPACE_IN_GAP.test(gap) && !COMBINING_START.test(form);
        noSpace.push(joined);
        extra.push(joined ? undefined : spacesAfter(gap));
        sentenceText += joined ? '' : ' ';
      }
      forms.push(form);
      sentenceText += form;
    }
    noSpace.push(false);
    extra.push(undefined);
    let block = `${newdoc}# sent_id = ${id}\n# text = ${sentenceText}\n`;
    newdoc = '';
    for (let i = a; i < b; i++) {
      const t = tokens[i];
      const misc: string[] = [];
      if (tagging === 'iob2') misc.push(`NE=${t.tag}`);
      if (noSpace[i - a]) misc.push('SpaceAfter=No');
      const more = extra[i - a];
      if (more !== undefined) misc.push(`SpacesAfter=${more}`);
      const upos = tagging === 'plain' && t.tag !== 'O' ? t.tag : '_';
      block += `${i - a + 1}\t${forms[i - a]}\t_\t${upos}\t_\t_\t_\t_\t_\t${misc.length ? misc.join('|') : '_'}\n`;
      if ((i - a) % STEP === STEP - 1) {
        yield block;
        block = '';
      }
    }
    run.sentences++;
    yield block + '\n';
  }
}

/**
 * An export as chunks of its content, in order (empty chunks are pause points: a caller on the
 * editor's thread may yield to the event loop at each). Warnings and the sentence count are
 * added to `run` as the chunks are made.
 */
export function* exportChunks(
  format: ExportFormat,
  text: string,
  words: Iterable<WordSpan>,
  annotations: readonly Annotation[],
  tagging: Tagging,
  options: ExportOptions,
  run: ExportRun,
): Generator<string> {
  if (format === 'spans') {
    yield* spansRecord(text, annotations, options.labeledRanges);
    return;
  }
  const tokens = yield* tagTokens(text, words, annotations, tagging, format, run.warnings);
  if (format === 'conll') yield* conllChunks(text, tokens, run);
  else yield* conlluChunks(text, tokens, tagging, options, run);
}

const optionsOf = (o: string | ExportOptions | undefined): ExportOptions => (typeof o === 'string' ? { documentName: o } : (o ?? {}));

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

/** Code points in a string (for the spans format's offsets). */
function codePoints(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (!(c >= 0xdc00 && c <= 0xdfff && i > 0 && (s.charCodeAt(i - 1) & 0xfc00) === 0xd800)) n++;
  }
  return n;
}

/** Code point offsets of UTF-16 offsets in `text`, for offsets given in increasing order. */
export class CodePointCursor {
  private at = 0;
  private cp = 0;
  constructor(private readonly text: string) {}

  of(offset: number): number {
    if (offset < this.at) {
      this.at = 0;
      this.cp = 0;
    }
    this.cp += codePoints(this.text.slice(this.at, offset));
    this.at = offset;
    return this.cp;
  }
}

/**
 * A document's spans record (Prodigy / doccano style, code point offsets) in pieces: a writer
 * that takes pieces (atomic_write.ts) never holds a big document's record as one string.
 */
export function* spansRecord(
  text: string,
  annotations: readonly Annotation[],
  labeledRanges?: ReadonlyArray<readonly [number, number]>,
): Generator<string> {
  const cursor = new CodePointCursor(text);
  const kept = annotations.filter((a) => a.label !== REMOVED_LABEL).sort(byPosition);
  const offsets = new Int32Array(kept.length * 2);
  yield `{"text":${JSON.stringify(text)},"spans":[`;
  let piece = '';
  for (let i = 0; i < kept.length; i++) {
    offsets[2 * i] = cursor.of(kept[i].start);
    offsets[2 * i + 1] = cursor.of(kept[i].end);
    piece += `${i ? ',' : ''}${JSON.stringify({ start: offsets[2 * i], end: offsets[2 * i + 1], label: kept[i].label })}`;
    if (piece.length >= 65_536) {
      yield piece;
      piece = '';
    }
  }
  yield piece + '],"label":[';
  piece = '';
  for (let i = 0; i < kept.length; i++) {
    piece += `${i ? ',' : ''}${JSON.stringify([offsets[2 * i], offsets[2 * i + 1], kept[i].label])}`;
    if (piece.length >= 65_536) {
      yield piece;
      piece = '';
    }
  }
  yield piece + `]${labeledRangesField(labeledRanges)}}\n`;
}

/** The spans record's `labeled_ranges` member (with its leading comma), empty without ranges. */
export function labeledRangesField(ranges: ReadonlyArray<readonly [number, number]> | undefined): string {
  return ranges ? `,"labeled_ranges":${JSON.stringify(ranges)}` : '';
}

/** CoNLL-U's comment line of the labeled ranges (code points, `start-end` pairs). */
export function labeledRangesComment(ranges: ReadonlyArray<readonly [number, number]>): string {
  return `# labeled_ranges = ${ranges.map(([s, e]) => `${s}-${e}`).join(' ')}`.trimEnd();
}

export function exportSpans(
  text: string,
  annotations: readonly Annotation[],
  labeledRanges?: ReadonlyArray<readonly [number, number]>,
): Exported {
  return { content: [...spansRecord(text, annotations, labeledRanges)].join(''), warnings: [] };
}

export function exportAs(
  format: ExportFormat,
  text: string,
  words: Iterable<WordSpan>,
  annotations: readonly Annotation[],
  tagging: Tagging,
  options?: string | ExportOptions,
): Exported & { sentences: number } {
  const run: ExportRun = { warnings: [], sentences: 0 };
  let content = '';
  for (const chunk of exportChunks(format, text, words, annotations, tagging, optionsOf(options), run)) content += chunk;
  return { content, warnings: run.warnings, sentences: run.sentences };
}

/** `exportAs` in slices, letting the event loop run between them (for the editor's thread). */
export async function exportAsYielding(
  format: ExportFormat,
  text: string,
  words: Iterable<WordSpan>,
  annotations: readonly Annotation[],
  tagging: Tagging,
  options: ExportOptions & { signal?: AbortSignal } = {},
): Promise<Exported & { sentences: number }> {
  const run: ExportRun = { warnings: [], sentences: 0 };
  const pause = new Pause();
  const parts: string[] = [];
  for (const chunk of exportChunks(format, text, words, annotations, tagging, options, run)) {
    if (chunk) parts.push(chunk);
    await pause.maybe(options.signal);
  }
  return { content: parts.join(''), warnings: run.warnings, sentences: run.sentences };
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
    const end = this.normalizedEnd(token);
    if (end !== undefined) {
      const start = this.cursor;
      this.cursor = end;
      return { start, end };
    }
    const found = t.slice(this.cursor, this.cursor + Math.max(token.length, 1) + 10);
    const what = this.cursor >= t.length ? 'the end of the text' : `"${found}"`;
    return {
      line,
      message: `token "${token}" does not match the text at ${where(t, this.cursor)} (offset ${this.cursor}), which has ${what}`,
    };
  }

  /**
   * Where a token ends that is the NFC form of the text at the cursor (CoNLL-U's forms are NFC;
   * the document may be decomposed, `cafe\u0301`): the shortest such stretch not followed by a
   * combining mark.
   */
  private normalizedEnd(token: string): number | undefined {
    const t = this.text;
    const limit = Math.min(t.length, this.cursor + token.length * 4 + 8);
    for (let e = this.cursor + 1; e <= limit; e++) {
      const c = t.charCodeAt(e - 1);
      if (c >= 0xd800 && c <= 0xdbff) continue;
      if (t.slice(this.cursor, e).normalize('NFC') === token && !/^\p{M}/u.test(t.slice(e, e + 2))) return e;
    }
    return undefined;
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
function annotationsFromTags(
  text: string,
  tokens: readonly TaggedToken[],
  source: AnnotationSource,
): { annotations: Annotation[]; warnings: FormatProblem[] } {
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
        if (bi === 'I' || bi === 'E')
          warnings.push({ line: tok.line, message: `${tok.tag} does not continue a ${type} span; it starts one` });
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

function finishImport(
  text: string,
  aligner: Aligner,
  tokens: TaggedToken[],
  source: AnnotationSource,
  problems: FormatProblem[],
  warnings: FormatProblem[],
): Imported {
  if (problems.length) return { ok: false, problems };
  const rest = aligner.rest();
  if (rest.length)
    warnings.push({ line: 0, message: `the file ends before the text does: ${rest.length} characters after its last token have no tags` });
  const fromTags = annotationsFromTags(text, tokens, source);
  return { ok: true, annotations: fromTags.annotations, warnings: [...warnings, ...fromTags.warnings] };
}

/** Reads a CoNLL (IOB2) file against the document's text: first column the token, last the tag. */
export function importConll(content: string, text: string, source: AnnotationSource = 'corrected'): Imported {
  const aligner = new Aligner(text);
  const tokens: TaggedToken[] = [];
  const problems: FormatProblem[] = [];
  let middle = 0;
  let docstarts = 0;
  let sentences = 0;
  let inSentence = false;
  const lines = content.split(/\r?\n/);
  for (let i = 0; i < lines.length && problems.length === 0; i++) {
    const line = i + 1;
    const raw = lines[i].trim();
    if (raw === '' || raw.startsWith('-DOCSTART-')) {
      if (raw !== '') docstarts++;
      if (inSentence) sentences++;
      inSentence = false;
      continue;
    }
    const cols = raw.split(/\s+/);
    if (cols.length < 2) {
      problems.push({ line, message: `expected a token and a tag, found "${raw}"` });
      break;
    }
    if (cols.length > 2) middle++;
    inSentence = true;
    const placed = aligner.align(cols[0], line);
    if ('message' in placed) problems.push(placed);
    else tokens.push({ ...placed, tag: cols[cols.length - 1], line });
  }
  if (inSentence) sentences++;
  const result = finishImport(text, aligner, tokens, source, problems, []);
  if (!result.ok) return result;
  const left: string[] = [];
  if (middle) left.push(`the columns between the token and the tag (POS, chunk, ...) of ${middle} line${middle === 1 ? '' : 's'}`);
  if (docstarts) left.push(`${docstarts} -DOCSTART- line${docstarts === 1 ? '' : 's'}`);
  left.push(`the sentence breaks (${sentences}): a CoNLL export splits the text again`);
  return { ...result, summary: `kept ${tokens.length} words' tags (the last column); left out: ${left.join(', ')}` };
}

// The CoNLL-U columns an import does not keep (it keeps FORM, and the tag from MISC's NE= or UPOS).
const CONLLU_COLUMNS = ['ID', 'FORM', 'LEMMA', 'UPOS', 'XPOS', 'FEATS', 'HEAD', 'DEPREL', 'DEPS', 'MISC'];
const KEPT_MISC = /^(NE|SpaceAfter|SpacesAfter|SpacesBefore)=/;

/** In words: what a CoNLL-U import kept and what it left out. */
function conlluSummary(
  kept: { words: number; tagFrom: Set<string>; sentences: number; ids: number },
  dropped: { columns: Map<string, number>; comments: number; multiword: number; multiwordParts: number; emptyNodes: number },
): string {
  const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;
  const from = [...kept.tagFrom].join(' and ') || 'no column (every word untagged)';
  const keptText = `kept ${plural(kept.words, 'word')}' tags (from ${from}), ${plural(kept.sentences, 'sentence')}' boundaries${kept.ids ? ` and ${plural(kept.ids, 'sent_id')}` : ''} (a CoNLL-U re-export of this text keeps them)`;
  const left: string[] = [];
  for (const [col, n] of dropped.columns) if (n) left.push(`${col} (${plural(n, 'word')})`);
  if (dropped.comments) left.push(plural(dropped.comments, 'other comment line'));
  if (dropped.multiword)
    left.push(
      `the ${plural(dropped.multiwordParts, 'word')} inside ${plural(dropped.multiword, 'multiword token')} (each multiword token is labeled as one, with its first word's tag)`,
    );
  if (dropped.emptyNodes) left.push(plural(dropped.emptyNodes, 'empty node'));
  return left.length ? `${keptText}; left out: ${left.join(', ')}` : keptText;
}

/** Reads a CoNLL-U file against the document's text: the tag is MISC's NE= when present, else UPOS. */
export function importConllu(content: string, text: string, source: AnnotationSource = 'corrected'): Imported {
  const aligner = new Aligner(text);
  const tokens: TaggedToken[] = [];
  const problems: FormatProblem[] = [];
  const warnings: FormatProblem[] = [];
  const droppedColumns = new Map<string, number>();
  const drop = (col: string): void => {
    droppedColumns.set(col, (droppedColumns.get(col) ?? 0) + 1);
  };
  const tagFrom = new Set<string>();
  let comments = 0;
  let multiwords = 0;
  let multiwordParts = 0;
  let emptyNodes = 0;
  const laid: Array<{ start: number; end: number; id?: string }> = [];
  let sentence: { start: number; end: number; id?: string } | undefined;
  let pendingId: string | undefined;
  const endSentence = (): void => {
    if (sentence) laid.push(sentence);
    sentence = undefined;
    pendingId = undefined;
  };
  const placedInSentence = (start: number, end: number): void => {
    if (!sentence) sentence = { start, end, id: pendingId };
    sentence.end = end;
  };
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
    if (raw.trim() === '') {
      flushMultiword();
      endSentence();
      continue;
    }
    if (raw.startsWith('#')) {
      const id = /^#\s*sent_id\s*=\s*(\S+)\s*$/.exec(raw);
      if (id && !sentence) pendingId = id[1];
      else if (!/^#\s*(text|newdoc|newpar)\b/.test(raw) || sentence) comments++;
      continue;
    }
    const cols = raw.split('\t');
    if (cols.length !== 10) {
      problems.push({ line, message: `a CoNLL-U word line has 10 tab-separated columns; this one has ${cols.length}` });
      break;
    }
    const [id, form, , upos, , , , , , misc] = cols;
    if (/^\d+\.\d+$/.test(id)) {
      emptyNodes++; // an empty node: not in the text
      continue;
    }
    const ne = misc
      .split('|')
      .find((m) => m.startsWith('NE='))
      ?.slice(3);
    const tag = ne ?? (upos === '_' ? 'O' : upos);
    const range = /^(\d+)-(\d+)$/.exec(id);
    if (range) {
      flushMultiword();
      const placed = aligner.align(form, line);
      if ('message' in placed) problems.push(placed);
      else {
        multiword = { ...placed, line, last: Number(range[2]) };
        multiwords++;
        placedInSentence(placed.start, placed.end);
      }
      continue;
    }
    if (!/^\d+$/.test(id)) {
      problems.push({ line, message: `"${id}" is not a word ID` });
      break;
    }
    for (const k of [2, 4, 5, 6, 7, 8]) if (cols[k] !== '_') drop(CONLLU_COLUMNS[k]);
    if (ne !== undefined && upos !== '_') drop('UPOS');
    if (misc !== '_' && misc.split('|').some((m) => !KEPT_MISC.test(m))) drop('other MISC entries');
    if (multiword && Number(id) <= multiword.last) {
      // The multiword token takes its first word's tag.
      multiword.tag ??= tag;
      multiwordParts++;
      if (Number(id) === multiword.last) flushMultiword();
      continue;
    }
    flushMultiword();
    const placed = aligner.align(form, line);
    if ('message' in placed) problems.push(placed);
    else {
      tokens.push({ ...placed, tag, line });
      placedInSentence(placed.start, placed.end);
      if (ne !== undefined) tagFrom.add('MISC NE=');
      else if (upos !== '_') tagFrom.add('UPOS');
    }
  }
  flushMultiword();
  endSentence();
  const result = finishImport(text, aligner, tokens, source, problems, warnings);
  if (!result.ok) return result;
  const summary = conlluSummary(
    { words: tokens.length, tagFrom, sentences: laid.length, ids: laid.filter((s) => s.id !== undefined).length },
    { columns: droppedColumns, comments, multiword: multiwords, multiwordParts, emptyNodes },
  );
  return { ...result, summary, layout: { sentences: laid } };
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
    return {
      ok: false,
      problems: [{ line: 0, message: records ? `none of the ${records} records has the document's text` : 'the file has no records' }],
    };
  }
  const spans = rawSpans(record);
  if (!spans) return { ok: false, problems: [{ line: recordLine, message: 'the record has no "spans", "label" or "entities" list' }] };
  const u16 = utf16Index(text);
  const cps = u16.length - 1;
  const annotations: Annotation[] = [];
  spans.forEach((s, k) => {
    const at = `span ${k + 1}`;
    if (
      !Number.isInteger(s.start) ||
      !Number.isInteger(s.end) ||
      (s.start as number) < 0 ||
      (s.end as number) <= (s.start as number) ||
      (s.end as number) > cps
    ) {
      problems.push({
        line: recordLine,
        message: `${at}: start and end must be whole numbers with 0 <= start < end <= ${cps} (code points), found ${JSON.stringify([s.start, s.end])}`,
      });
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
      problems.push({
        line: recordLine,
        message: `${at}: its "text" ${JSON.stringify(s.text)} is not the text at its offsets, ${JSON.stringify(covered)}`,
      });
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
