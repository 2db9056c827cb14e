// Labels of a big document written as they are made, in every output format, so that memory
// follows the size of a chunk of the document, not of the document or of its output.
//
// The document is labeled a chunk at a time: consecutive paragraphs (segments.ts's paragraph
// breaks, where the labeler cuts segments anyway) up to CHUNK_CHARS, so each chunk's labels are
// exactly the ones labeling the whole text gives, and the sequence scores are the windows'
// length-weighted mean over all chunks (the same windows, in the same order). A paragraph
// longer than a chunk is one chunk of its own. Each chunk's output is handed to `write` (which
// waits for the sink to drain) before the next chunk is labeled; nothing of the document's
// output is ever held in one string. In span formats a span ends at a chunk's end (entities do
// not run across a blank line there).
//
// Formats: `text` and `jsonl` are written here; `spans` (one JSON record per document, Prodigy
// and doccano style) is written piece by piece in exactly the form formats.ts's exportSpans
// makes (a test holds the two equal); the CoNLL formats come from the caller's exporter per
// chunk (formats.ts), joined as one document's output is.
import type { LabelScore } from './aggregate';
import { byPosition, REMOVED_LABEL, type Annotation } from './annotations';
import { averageSequence, type LabeledText, type LabelOptions, type Labeler, type WindowResult } from './labeler';
import { CodePointCursor, labeledRangesField } from './formats';
import { clipRanges, codePointRanges } from './prose_mask';
import { paragraphs } from './segments';

/** Characters (UTF-16 units) of document labeled at once. */
export const CHUNK_CHARS = 65_536;

export type OutputFormat = 'text' | 'jsonl' | 'conll' | 'conllu' | 'spans';

/** One chunk of a document with its labels (word offsets relative to the chunk). */
export interface LabeledChunk {
  readonly start: number;
  readonly text: string;
  readonly result: LabeledText;
  readonly first: boolean;
}

/** [start, end) of the chunks of a text: whole paragraphs, at most `maxChars` each unless a paragraph is longer. */
export function* chunkSpans(text: string, maxChars = CHUNK_CHARS): Generator<[number, number]> {
  let start = 0;
  let end = 0;
  for (const [, pEnd] of paragraphs(text)) {
    if (pEnd - start > maxChars && end > start) {
      yield [start, end];
      start = end;
    }
    end = pEnd;
  }
  if (end > start) yield [start, end];
}

/** The text labeled a chunk at a time (see the file comment). */
export async function* labelInChunks(
  labeler: Labeler,
  text: string,
  options: LabelOptions = {},
  maxChars = CHUNK_CHARS,
): AsyncGenerator<LabeledChunk> {
  let first = true;
  for (const [start, end] of chunkSpans(text, maxChars)) {
    const chunk = text.slice(start, end);
    const own = options.ranges ? { ...options, ranges: clipRanges(options.ranges, start, end) } : options;
    yield { start, text: chunk, result: await labeler.label(chunk, own), first };
    first = false;
  }
}

/** Collects output into writes of about 64 KiB (one write per word would be slow), waiting for each. */
class Batched {
  private buf: string[] = [];
  private size = 0;
  constructor(private readonly write: (s: string) => Promise<void> | void) {}

  async add(s: string): Promise<void> {
    this.buf.push(s);
    this.size += s.length;
    if (this.size >= 65_536) await this.flush();
  }

  async flush(): Promise<void> {
    if (!this.size) return;
    const s = this.buf.join('');
    this.buf = [];
    this.size = 0;
    await this.write(s);
  }
}

const round = (x: number): number => Math.round(x * 1e6) / 1e6;

export interface StreamOptions {
  readonly format: OutputFormat;
  readonly labelOptions?: LabelOptions;
  /** Model annotations of a chunk's words (spans and CoNLL formats). */
  readonly annotate: (chunk: LabeledChunk) => Annotation[];
  /**
   * A CoNLL chunk's output (formats.ts) and how many sentences it holds; CoNLL-U sentence ids
   * start at `firstSentenceId` (ids run on across chunks).
   */
  readonly exportChunk?: (chunk: LabeledChunk, firstSentenceId: number) => { content: string; sentences: number };
  readonly maxChars?: number;
  /** CoNLL-U: the first sentence's id (a run of several documents numbers on across them). */
  readonly firstSentenceId?: number;
}

/**
 * Labels `text` and writes its output in `format` through `write`, chunk by chunk. Returns the
 * document's sequence scores (also written, for jsonl) and how many CoNLL sentences it wrote.
 */
export async function streamLabels(
  labeler: Labeler,
  text: string,
  write: (s: string) => Promise<void> | void,
  options: StreamOptions,
): Promise<{ sequence: LabelScore[]; sentences: number }> {
  const out = new Batched(write);
  const windows: WindowResult[] = [];
  const { format } = options;
  // spans: the record's text first, spans as they come, then the same spans as [start, end, label]
  const spanLabels: string[] = [];
  const labelIds = new Map<string, number>();
  const labelIdOf = (label: string): number => {
    let id = labelIds.get(label);
    if (id === undefined) labelIds.set(label, (id = spanLabels.push(label) - 1));
    return id;
  };
  let wroteConll = false;
  let lastWordEnd = -1; // the text format's: where the last word written ends (-1: none yet)
  let sentences = 0;
  let spanCount = 0;
  let spanStartCp: Int32Array = new Int32Array(1024);
  let spanEndCp: Int32Array = new Int32Array(1024);
  let spanLabel: Int32Array = new Int32Array(1024);
  const cursor = new CodePointCursor(text);
  if (format === 'spans') await out.add(`{"text":${JSON.stringify(text)},"spans":[`);
  for await (const chunk of labelInChunks(labeler, text, options.labelOptions, options.maxChars)) {
    for (const w of chunk.result.windows) windows.push(w);
    const base = chunk.start;
    if (format === 'text') {
      // words that touch (`ca` `n't`, `it` `'s`), in a chunk or across two, get one space
      // between them: `ca/AUX n't/PART`
      let pos = 0;
      for (const w of chunk.result.words) {
        const gap = chunk.text.slice(pos, w.start);
        await out.add((gap || base + w.start !== lastWordEnd ? gap : ' ') + `${w.text}/${w.label}`);
        pos = w.end;
        lastWordEnd = base + w.end;
      }
      await out.add(chunk.text.slice(pos));
    } else if (format === 'jsonl') {
      for (const w of chunk.result.words) {
        await out.add(
          JSON.stringify({ start: base + w.start, end: base + w.end, text: w.text, label: w.label, score: round(w.score) }) + '\n',
        );
      }
    } else if (format === 'spans') {
      const kept = options
        .annotate(chunk)
        .filter((a) => a.label !== REMOVED_LABEL)
        .sort(byPosition);
      for (const a of kept) {
        const s = cursor.of(base + a.start);
        const e = cursor.of(base + a.end);
        await out.add(`${spanCount ? ',' : ''}${JSON.stringify({ start: s, end: e, label: a.label })}`);
        if (spanCount === spanStartCp.length) {
          const grow = (x: Int32Array): Int32Array => {
            const y = new Int32Array(x.length * 2);
            y.set(x);
            return y;
          };
          spanStartCp = grow(spanStartCp);
          spanEndCp = grow(spanEndCp);
          spanLabel = grow(spanLabel);
        }
        spanStartCp[spanCount] = s;
        spanEndCp[spanCount] = e;
        spanLabel[spanCount] = labelIdOf(a.label);
        spanCount++;
      }
    } else {
      const { content, sentences: n } = options.exportChunk!(chunk, (options.firstSentenceId ?? 1) + sentences);
      sentences += n;
      // CoNLL blocks are separated by one blank line, across chunks too
      if (content) await out.add((format === 'conll' && wroteConll ? '\n' : '') + content);
      wroteConll ||= !!content;
    }
  }
  const sequence = averageSequence(windows, labeler.bundle.config.sequenceLabels);
  if (format === 'text') {
    if (!text.endsWith('\n')) await out.add('\n');
  } else if (format === 'jsonl') {
    const ranges = options.labelOptions?.ranges;
    await out.add(
      JSON.stringify({
        sequence: sequence.map((s) => ({ label: s.label, score: round(s.score) })),
        ...(ranges ? { labeled_ranges: ranges.map((r) => [r.start, r.end]) } : {}),
      }) + '\n',
    );
  } else if (format === 'spans') {
    await out.add('],"label":[');
    for (let i = 0; i < spanCount; i++)
      await out.add(`${i ? ',' : ''}${JSON.stringify([spanStartCp[i], spanEndCp[i], spanLabels[spanLabel[i]]])}`);
    const ranges = options.labelOptions?.ranges;
    await out.add(`]${labeledRangesField(ranges && codePointRanges(text, ranges))}}\n`);
  }
  await out.flush();
  return { sequence, sentences };
}
