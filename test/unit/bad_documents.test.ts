// Bad documents through the real pipeline (Labeler with models/default in its worker): empty,
// one character, a 10 MB text, a single 1 MB line, binary-looking bytes, NUL and control
// characters, samples of every Unicode plane (unassigned, private use, lone surrogates), right-
// to-left text, mixed line endings. Each is labeled (every word the tokenizer finds gets one
// sound label at its own UTF-16 offsets) or refused with a reason, never a hang. The longest
// event-loop stall of each is measured with monitorEventLoopDelay and printed (not asserted:
// timings are measured, not tested).
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { after, before, describe, it } from 'node:test';
import { CancelledError } from '../../src/core/engine';
import { Labeler, type LabeledText } from '../../src/core/labeler';
import { REPO } from './fixtures';
import { rng } from '../shared/rng';
import { NEWS_WORDS, pick } from '../shared/words';

const WORKER = path.join(REPO, 'out/src/core/engine_worker.js');
const MODEL = path.join(REPO, 'models/default');
/** Long enough never to cut a working run short; a hang ends the test as a failure. */
const HANG_MS = 600_000;
let labeler: Labeler;
const stalls: Array<{ name: string; chars: number; words: number; stallMs: number; ms: number }> = [];

before(async () => {
  const opened = await Labeler.open(MODEL, { workerPath: WORKER });
  assert.ok(opened.ok, opened.ok ? '' : opened.problems.join('\n'));
  labeler = opened.value;
});

after(async () => {
  await labeler?.dispose();
  console.log('\n  longest event-loop stall per document (monitorEventLoopDelay, resolution 1 ms):');
  for (const s of stalls) {
    console.log(
      `  ${s.name.padEnd(34)} ${String(s.chars).padStart(9)} chars ${String(s.words).padStart(7)} words  ${s.stallMs.toFixed(1).padStart(6)} ms stall  ${(s.ms / 1000).toFixed(1).padStart(6)} s`,
    );
  }
});

/** Runs `work` while measuring the event loop's longest delay. */
async function measured<T>(name: string, chars: number, work: () => Promise<T>, words: (r: T) => number): Promise<T> {
  const h = monitorEventLoopDelay({ resolution: 1 });
  h.enable();
  const t0 = performance.now();
  try {
    const r = await work();
    stalls.push({ name, chars, words: words(r), stallMs: h.max / 1e6, ms: performance.now() - t0 });
    return r;
  } finally {
    h.disable();
  }
}

/** The labels are sound: each word the tokenizer finds, once, in order, with a real label. */
function assertSound(text: string, r: LabeledText): void {
  const spans = [...labeler.tokenizer.wordSpans(text)];
  assert.equal(r.words.length, spans.length, 'every word gets one label');
  const labels = new Set(labeler.labels);
  let last = 0;
  r.words.forEach((w, i) => {
    assert.deepEqual([w.start, w.end], spans[i], `word ${i} offsets`);
    assert.ok(w.start >= last && w.end > w.start && w.end <= text.length, `word ${i} [${w.start}, ${w.end}) out of order or range`);
    last = w.end;
    assert.equal(w.text, text.slice(w.start, w.end));
    assert.ok(labels.has(w.label), `unknown label ${w.label}`);
    assert.ok(Number.isFinite(w.score) && w.score > 0 && w.score <= 1, `score ${w.score}`);
    assert.ok(w.pieces.length >= 1);
    for (const p of w.pieces) assert.ok(p.start >= w.start && p.end <= w.end && p.start <= p.end, `piece ${p.text} outside its word`);
  });
  for (const s of r.sequence) assert.ok(Number.isFinite(s.score));
}

async function labeled(name: string, text: string): Promise<LabeledText> {
  const r = await measured(
    name,
    text.length,
    () => labeler.label(text),
    (x) => x.words.length,
  );
  assertSound(text, r);
  return r;
}

const fromCodePoints = (cps: readonly number[], sep = ' '): string => cps.map((c) => String.fromCodePoint(c)).join(sep);

describe('bad documents are labeled soundly or refused, never hang', () => {
  it('empty text: no words, no windows, no sequence scores', { timeout: HANG_MS }, async () => {
    const r = await labeled('empty', '');
    assert.equal(r.words.length, 0);
    assert.deepEqual(r.sequence, []);
  });

  it('one character: a letter, a digit, a mark, a space, a newline', { timeout: HANG_MS }, async () => {
    assert.equal((await labeled('one letter', 'a')).words.length, 1);
    assert.equal((await labeled('one digit', '7')).words.length, 1);
    assert.equal((await labeled('one punctuation mark', '.')).words.length, 1);
    assert.equal((await labeled('one space', ' ')).words.length, 0);
    assert.equal((await labeled('one newline', '\n')).words.length, 0);
    assert.equal((await labeled('one emoji (a surrogate pair)', '😀')).words.length, 1);
  });

  it('a single 1 MB line (no line break, no sentence end) is labeled in full', { timeout: HANG_MS }, async () => {
    const rand = rng(11);
    const vocab = [...NEWS_WORDS, 'extraordinarily', 'x', '1961', 'tax'];
    const parts: string[] = [];
    let n = 0;
    while (n < 1_000_000) {
      const w = pick(rand, vocab);
      parts.push(w);
      n += w.length + 1;
    }
    const text = parts.join(' ').slice(0, 1_000_000).replace(/ \S*$/, '');
    assert.ok(!/[\n.]/.test(text));
    const r = await labeled('1 MB single line', text);
    assert.ok(r.windows.length > 100, `${r.windows.length} windows`);
  });

  it(
    'a 10 MB text is taken in (segmented, tokenized, windows planned, first windows run) and can be cancelled',
    { timeout: HANG_MS },
    async () => {
      // Labeling all of it takes minutes on this machine (~6,000 words/s on a shared core): the
      // test checks everything up to inference on the full text, then cancels, as an edit does.
      const sentences = [
        'The committee approved the budget on Monday.',
        'Prices rose 3.5% in 1961, and nobody was surprised by the news from the capital that week.',
        "She didn't know what to say, so she laughed, and the room laughed with her.",
        'It rained.',
      ];
      const rand = rng(10);
      const parts: string[] = [];
      let n = 0;
      for (let i = 0; n < 10_000_000; i++) {
        const s = sentences[Math.floor(rand() * sentences.length)] + (i % 7 === 6 ? '\n\n' : ' ');
        parts.push(`${s.slice(0, -1)} #${i}${s.slice(-1)}`);
        n += parts[parts.length - 1].length;
      }
      const text = parts.join('');
      const controller = new AbortController();
      // labelTexts tokenizes and plans every segment before the first batch: once a batch has run,
      // the whole text was taken in
      const ran0 = labeler.engine.runMs;
      const watcher = setInterval(() => {
        if (labeler.engine.runMs > ran0) controller.abort();
      }, 5);
      try {
        await measured(
          '10 MB (cancelled during inference)',
          text.length,
          async () => {
            await assert.rejects(labeler.label(text, { signal: controller.signal }), (e) => e instanceof CancelledError);
            return undefined;
          },
          () => 0,
        );
      } finally {
        clearInterval(watcher);
      }
      assert.ok(controller.signal.aborted && labeler.engine.runMs > ran0, 'cancelled before inference');
      const after10 = await labeled('after the 10 MB text', 'Still working.');
      assert.equal(after10.words.length, 3);
    },
  );

  it('binary-looking bytes (random bytes read as Latin-1 and as UTF-8 with replacement characters)', { timeout: HANG_MS }, async () => {
    const rand = rng(3);
    const bytes = Buffer.alloc(16 * 1024);
    for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(rand() * 256);
    await labeled('16 KB random bytes as Latin-1', bytes.toString('latin1'));
    const utf8 = bytes.toString('utf8');
    assert.ok(utf8.includes('\uFFFD'));
    await labeled('16 KB random bytes as UTF-8', utf8);
    // an ELF header and a PNG header, as a text editor would show them
    await labeled('ELF and PNG headers', '\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0\x03\0>\0\x01\0\0\0 \x89PNG\r\n\x1a\n\0\0\0\rIHDR');
  });

  it('NUL and every control character (C0, DEL, C1), zero-width characters and a BOM between words', { timeout: HANG_MS }, async () => {
    const controls = [...Array(32).keys(), 0x7f, ...Array.from({ length: 32 }, (_, i) => 0x80 + i)];
    const text = controls.map((c, i) => `w${i}${String.fromCharCode(c)}`).join('') + ' a\0b\0\0c \u200B\u200C\u200D\u2060\uFEFFword\uFEFF';
    const r = await labeled('NUL and control characters', text);
    for (const w of r.words) assert.ok(!/\0/.test(w.text), `a word contains NUL: ${JSON.stringify(w.text)}`);
    await labeled('only NULs', '\0'.repeat(10_000));
  });

  it(
    'every Unicode plane: 256 code points sampled from each of planes 0-16 (unassigned and private use included), lone surrogates',
    { timeout: HANG_MS },
    async () => {
      const rand = rng(17);
      for (let plane = 0; plane <= 16; plane++) {
        const cps = Array.from({ length: 256 }, () => plane * 0x10000 + Math.floor(rand() * 0x10000)).filter(
          (c) => c < 0xd800 || c > 0xdfff,
        ); // surrogates are tried on their own below
        const text = `plane ${plane}: ` + fromCodePoints(cps) + ' and ' + fromCodePoints(cps.slice(0, 32), '');
        await labeled(`Unicode plane ${plane}`, text);
      }
      // named corners: noncharacters, private use, tags, the last code point
      await labeled(
        'Unicode corners',
        fromCodePoints([
          0xfffe, 0xffff, 0xe000, 0xf8ff, 0x1fffe, 0xe0001, 0xe0041, 0xe007f, 0xf0000, 0x10fffd, 0x10ffff, 0x1f1fa, 0x1f1f8, 0x1f469,
          0x200d, 0x1f4bb,
        ]),
      );
      // lone and reversed surrogates (a JS string, and so a VS Code document, can hold them)
      const lone = 'high \uD800 low \uDFFF word\uD83Dword reversed \uDE00\uD83D end \uD800';
      await labeled('lone surrogates', lone);
    },
  );

  it('right-to-left text (Arabic, Hebrew, with bidi marks and overrides, mixed with English)', { timeout: HANG_MS }, async () => {
    const text =
      'مرحبا بالعالم، هذا نص عربي. שלום עולם, זה טקסט בעברית. ' +
      'Mixed \u202Eevil\u202C text \u200Fمع\u200E English 123 ٤٥٦ and \u2067isolate\u2069. ' +
      'Diacritics: مُحَمَّد بِسْمِ اللَّهِ; Hebrew points: בְּרֵאשִׁית.';
    const r = await labeled('right-to-left text', text);
    assert.ok(r.words.some((w) => w.text === 'مرحبا'));
    assert.ok(r.words.some((w) => w.text === 'שלום'));
  });

  it('mixed line endings (CRLF, CR, LF, NEL, LS, PS) in one text: no word holds a line break', { timeout: HANG_MS }, async () => {
    const ends = ['\r\n', '\r', '\n', '\x85', '\u2028', '\u2029', '\r\n\r\n', '\n\n', '\r\r'];
    const rand = rng(5);
    let text = '';
    for (let i = 0; i < 400; i++) text += `Line ${i} ends here${i % 3 ? '.' : ''}${ends[Math.floor(rand() * ends.length)]}`;
    const r = await labeled('mixed line endings', text);
    for (const w of r.words) assert.ok(!/[\r\n\x85\u2028\u2029]/.test(w.text), `a word holds a line break: ${JSON.stringify(w.text)}`);
  });

  it('the labeler works after all of them', { timeout: HANG_MS }, async () => {
    const r = await labeled('a plain sentence after all', 'The committee approved the budget on Monday.');
    assert.equal(r.words.find((w) => w.text === 'committee')?.label, 'NOUN');
  });
});
