// Annotation files as documents to learn from (the CLI's `adapt --train FILE...` and the Python
// side's `finetune-from` read the same formats): CoNLL-U (the UPOS column, or MISC NE=),
// CoNLL-2003, JSON Lines spans (Prodigy / doccano) and the extension's sidecar files.
//
// The training formats hold tokens, not the document, so the document's text is made from them
// (CoNLL-U: `# text =` when every sentence has it, else the forms joined with their SpaceAfter;
// CoNLL: tokens joined by spaces, a line per sentence) and the file is then read against that
// text by the import readers of formats.ts, which align every token and report the first that
// does not fit, with its line. A sidecar is read against its document (the file it names, next
// to it), as the extension reads it.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { anchorToText } from '../annotations';
import type { Result } from '../bundle';
import { describeFsError } from '../fs_errors';
import { formatOfFile, importConll, importConllu, importSpans, type Imported } from '../formats';
import { DEFAULT_SIDECAR, parseSidecar } from '../sidecar';
import type { TrainingDocument } from './learn';

/** The text a CoNLL-U file's sentences make: their `# text` lines, or forms joined as SpaceAfter says. */
export function conlluText(content: string): string {
  const sentences: string[] = [];
  let forms: string[] = [];
  let textLine: string | undefined;
  let allText = true;
  let mwEnd = 0;
  const end = (): void => {
    if (!forms.length && textLine === undefined) return;
    if (textLine === undefined) allText = false;
    sentences.push(textLine ?? forms.join(''));
    forms = [];
    textLine = undefined;
  };
  for (const raw of content.split(/\r?\n/)) {
    if (raw.trim() === '') {
      end();
      continue;
    }
    if (raw.startsWith('#')) {
      const m = /^#\s*text\s*=\s?(.*)$/.exec(raw);
      if (m) textLine = m[1];
      continue;
    }
    const cols = raw.split('\t');
    if (cols.length < 10) continue; // the import reports it with its line
    const id = cols[0];
    if (/^\d+\.\d+$/.test(id)) continue;
    const range = /^(\d+)-(\d+)$/.exec(id);
    if (!range && Number(id) <= mwEnd) continue; // a word inside a multiword token
    if (range) mwEnd = Number(range[2]);
    const noSpace = cols[9].split('|').includes('SpaceAfter=No');
    forms.push(cols[1] + (noSpace ? '' : ' '));
  }
  end();
  // with `# text` on every sentence the text is exactly the sentences', else the joined forms'
  return (allText ? sentences : sentences.map((s) => s.trimEnd())).join('\n');
}

/**
 * CoNLL-U with each multiword token whose words spell it (`don't` = `do` + `n't`, `gonna` =
 * `gon` + `na`) replaced by those words, joined without spaces: the model's word splitter cuts
 * such tokens into the same words (UD's clitics), so each word keeps its own tag. Other
 * multiword tokens (`del` = `de` + `el`) stay, labeled with their first word's tag.
 */
export function splitMultiwords(content: string): string {
  const lines = content.split(/\r?\n/);
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const cols = lines[i].split('\t');
    const range = cols.length === 10 ? /^(\d+)-(\d+)$/.exec(cols[0]) : null;
    if (!range) {
      out.push(lines[i]);
      continue;
    }
    const n = Number(range[2]) - Number(range[1]) + 1;
    const parts = lines.slice(i + 1, i + 1 + n).map((l) => l.split('\t'));
    if (parts.length !== n || parts.some((p) => p.length !== 10) || parts.map((p) => p[1]).join('') !== cols[1]) {
      out.push(lines[i]);
      continue;
    }
    parts.forEach((p, k) => {
      const misc = p[9].split('|').filter((m) => m !== '_' && !m.startsWith('SpaceAfter='));
      if (k < n - 1) misc.push('SpaceAfter=No');
      else misc.push(...cols[9].split('|').filter((m) => m.startsWith('SpaceAfter=')));
      out.push([...p.slice(0, 9), misc.join('|') || '_'].join('\t'));
    });
    i += n;
  }
  return out.join('\n');
}

/** The text a CoNLL (2003 / IOB) file's tokens make: one line per sentence, tokens joined by spaces. */
export function conllText(content: string): string {
  const sentences: string[] = [];
  let tokens: string[] = [];
  for (const raw of content.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('-DOCSTART-')) {
      if (tokens.length) sentences.push(tokens.join(' '));
      tokens = [];
      continue;
    }
    tokens.push(line.split(/\s+/)[0]);
  }
  if (tokens.length) sentences.push(tokens.join(' '));
  return sentences.join('\n');
}

function fromImported(file: string, text: string, imported: Imported): Result<TrainingDocument[]> {
  if (!imported.ok) return { ok: false, problems: imported.problems.map((p) => `${file}${p.line ? `:${p.line}` : ''}: ${p.message}`) };
  return { ok: true, value: [{ name: file, text, annotations: imported.annotations }] };
}

/** The documents of one annotation file, by its name (sidecars first: they end in .jsonl too). */
export async function readTrainingFile(file: string): Promise<Result<TrainingDocument[]>> {
  let content: string;
  try {
    content = await fs.readFile(file, 'utf8');
  } catch (e) {
    return { ok: false, problems: [`${file} cannot be read: ${describeFsError(e)}`] };
  }
  if (file.endsWith(DEFAULT_SIDECAR.suffix)) return readSidecarDocument(file, content);
  const format = formatOfFile(file);
  if (format === 'conllu') {
    content = splitMultiwords(content);
    const text = conlluText(content);
    return fromImported(file, text, importConllu(content, text));
  }
  if (format === 'conll') {
    const text = conllText(content);
    return fromImported(file, text, importConll(content, text));
  }
  if (format === 'spans') {
    const docs: TrainingDocument[] = [];
    const lines = content.split(/\r?\n/);
    for (let i = 0; i < lines.length; i++) {
      if (!lines[i].trim()) continue;
      let record: { text?: unknown };
      try {
        record = JSON.parse(lines[i]) as { text?: unknown };
      } catch (e) {
        return { ok: false, problems: [`${file}:${i + 1}: not JSON: ${(e as Error).message}`] };
      }
      if (typeof record?.text !== 'string') return { ok: false, problems: [`${file}:${i + 1}: a record must have a "text" string`] };
      const imported = importSpans(lines[i], record.text);
      if (!imported.ok) return { ok: false, problems: imported.problems.map((p) => `${file}:${i + 1}: ${p.message}`) };
      docs.push({ name: `${file}:${i + 1}`, text: record.text, annotations: imported.annotations });
    }
    return { ok: true, value: docs };
  }
  return {
    ok: false,
    problems: [
      `${file}: the format is not known from its name (.conllu, .conll/.iob/.bio, .jsonl spans, or a ${DEFAULT_SIDECAR.suffix} sidecar)`,
    ],
  };
}

/**
 * A sidecar's document and annotations, read against the document's text as it is at that moment (moved
 * labels found again, lost ones left out). `documentPath` defaults to the file the sidecar names,
 * next to it.
 */
export async function readSidecarDocument(file: string, content?: string, documentPath?: string): Promise<Result<TrainingDocument[]>> {
  if (content === undefined) {
    try {
      content = await fs.readFile(file, 'utf8');
    } catch (e) {
      return { ok: false, problems: [`${file} cannot be read: ${describeFsError(e)}`] };
    }
  }
  const parsed = parseSidecar(content);
  if (!parsed.ok) return { ok: false, problems: parsed.problems.map((p) => `${file}${p.line ? `:${p.line}` : ''}: ${p.message}`) };
  const docPath =
    documentPath ?? path.join(path.dirname(file), parsed.header.document ?? path.basename(file).slice(0, -DEFAULT_SIDECAR.suffix.length));
  let text: string;
  try {
    text = await fs.readFile(docPath, 'utf8');
  } catch (e) {
    return { ok: false, problems: [`${file}: its document ${docPath} cannot be read: ${describeFsError(e)}`] };
  }
  const anchored = anchorToText(parsed.annotations, text);
  return { ok: true, value: [{ name: docPath, text, annotations: anchored.annotations.filter((a) => !a.needsReview) }] };
}
