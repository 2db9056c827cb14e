// Export and import formats: golden files (test/fixtures/formats, written by hand-checked runs;
// set UPDATE_GOLDEN=1 to rewrite them after a deliberate change), round trips, and misaligned
// or inconsistent input reported with line numbers.
import * as assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import type { Annotation } from '../../src/core/annotations';
import {
  exportAs,
  exportSpans,
  formatOfFile,
  importAs,
  importConll,
  importConllu,
  importSpans,
  EXPORT_FORMATS,
  type ExportFormat,
  type Tagging,
  type WordSpan,
} from '../../src/core/formats';
import { FIXTURES, patternTokenizer, readFixtureJson } from './fixtures';

const DIR = path.join(FIXTURES, 'formats');
const TEXT = readFileSync(path.join(DIR, 'doc.txt'), 'utf8');
const ENTITIES = readFixtureJson<Annotation[]>('formats', 'entities.json');
const UPOS = readFixtureJson<Annotation[]>('formats', 'upos.json');
const words = (text: string): WordSpan[] => [...patternTokenizer().wordSpans(text)];

function golden(name: string, actual: string): void {
  const file = path.join(DIR, name);
  if (process.env.UPDATE_GOLDEN || !existsSync(file)) writeFileSync(file, actual);
  assert.equal(actual, readFileSync(file, 'utf8'), `${name} differs from the golden file`);
}

const key = (a: Annotation): string => `${a.start}-${a.end}:${a.label}:${a.text}`;

for (const [name, annotations, tagging] of [
  ['entities', ENTITIES, 'iob2'],
  ['upos', UPOS, 'plain'],
] as const) {
  for (const format of EXPORT_FORMATS) {
    test(`${name} as ${format}: matches the golden file, and importing it gives the same labels`, () => {
      const exported = exportAs(format, TEXT, words(TEXT), annotations, tagging as Tagging, 'doc.txt');
      assert.deepEqual(exported.warnings, []);
      golden(`${name}${format === 'spans' ? '.spans.jsonl' : `.${format}`}`, exported.content);
      const back = importAs(format, exported.content, TEXT);
      assert.ok(back.ok, JSON.stringify(!back.ok && back.problems));
      assert.deepEqual(back.warnings, []);
      assert.deepEqual(back.annotations.map(key), annotations.map(key));
      for (const a of back.annotations) assert.equal(a.source, 'corrected');
    });
  }
}

test('golden spans: code point offsets (the emoji counts one), Prodigy "spans" and doccano "label"', () => {
  const rec = JSON.parse(readFileSync(path.join(DIR, 'entities.spans.jsonl'), 'utf8'));
  assert.equal(rec.text, TEXT);
  const blue = rec.spans.find((s: { label: string }) => s.label === 'ORG');
  assert.equal([...TEXT].slice(blue.start, blue.end).join(''), 'Blue Note');
  assert.equal(TEXT.slice(55, 64), 'Blue Note');
  assert.equal(blue.start, 54);
  assert.deepEqual(rec.label[3], [54, 63, 'ORG']);
});

test('golden CoNLL: IOB2 tags, a blank line between sentences', () => {
  const lines = readFileSync(path.join(DIR, 'entities.conll'), 'utf8').split('\n');
  assert.deepEqual(lines.slice(0, 5), ['Maria B-PER', 'Schmidt I-PER', 'visited O', 'São B-LOC', 'Paulo I-LOC']);
  assert.equal(lines[9], '');
});

test('CoNLL import: a token that is not in the text is reported with its line, nothing imported', () => {
  const content = 'Maria B-PER\nSchmidt I-PER\nvisits O\nSão B-LOC\n';
  const r = importConll(content, TEXT);
  assert.equal(r.ok, false);
  assert.ok(!r.ok);
  assert.equal(r.problems.length, 1);
  assert.equal(r.problems[0].line, 3);
  assert.match(r.problems[0].message, /token "visits" does not match the text at 1:15/);
});

test('CoNLL import: a token merged across a space, and a missing tag column, are errors', () => {
  let r = importConll('MariaSchmidt B-PER\n', TEXT);
  assert.ok(!r.ok && r.problems[0].line === 1);
  r = importConll('-DOCSTART- -X- O O\n\nMaria\n', TEXT);
  assert.ok(!r.ok);
  assert.equal(r.problems[0].line, 3);
  assert.match(r.problems[0].message, /expected a token and a tag/);
});

test('CoNLL import: four columns (CoNLL-2003 layout), IOB1 I- at a span start, a short file', () => {
  const content = '-DOCSTART- -X- -X- O\n\nMaria NNP B-NP I-PER\nSchmidt NNP I-NP I-PER\nvisited VBD B-VP O\n';
  const r = importConll(content, TEXT);
  assert.ok(r.ok);
  assert.deepEqual(r.annotations.map(key), ['0-13:PER:Maria Schmidt']);
  assert.ok(r.warnings.some((w) => w.line === 3 && /does not continue/.test(w.message)));
  assert.ok(r.warnings.some((w) => /ends before the text/.test(w.message)));
});

test('CoNLL-U import: multiword tokens align by their surface form, empty nodes are skipped', () => {
  const text = "I don't know.";
  const content = [
    "# text = I don't know.",
    '1\tI\t_\tPRON\t_\t_\t_\t_\t_\t_',
    "2-3\tdon't\t_\t_\t_\t_\t_\t_\t_\t_",
    '2\tdo\t_\tAUX\t_\t_\t_\t_\t_\t_',
    "3\tn't\t_\tPART\t_\t_\t_\t_\t_\t_",
    '3.1\tx\t_\tX\t_\t_\t_\t_\t_\t_',
    '4\tknow\t_\tVERB\t_\t_\t_\t_\t_\tSpaceAfter=No',
    '5\t.\t_\tPUNCT\t_\t_\t_\t_\t_\t_',
    '',
  ].join('\n');
  const r = importConllu(content, text);
  assert.ok(r.ok, JSON.stringify(!r.ok && r.problems));
  assert.deepEqual(r.annotations.map(key), ['0-1:PRON:I', "2-7:AUX:don't", '8-12:VERB:know', '12-13:PUNCT:.']);
});

test('CoNLL-U import: a line without 10 columns, and a misaligned form, are reported by line', () => {
  let r = importConllu('# c\n1\tMaria\t_\tPROPN\n', TEXT);
  assert.ok(!r.ok && r.problems[0].line === 2 && /10 tab-separated columns/.test(r.problems[0].message));
  r = importConllu('1\tMaria\t_\tPROPN\t_\t_\t_\t_\t_\t_\n2\tSmith\t_\tPROPN\t_\t_\t_\t_\t_\t_\n', TEXT);
  assert.ok(!r.ok && r.problems[0].line === 2 && /"Smith"/.test(r.problems[0].message));
});

test('spans import: doccano [start, end, label] lists and start_offset objects, code points', () => {
  const text = 'x 😀 Blue Note';
  const doccano = JSON.stringify({ text, label: [[4, 13, 'ORG']] });
  let r = importSpans(doccano + '\n', text);
  assert.ok(r.ok);
  assert.deepEqual(r.annotations.map(key), ['5-14:ORG:Blue Note']);
  const newer = JSON.stringify({ text, entities: [{ id: 1, start_offset: 4, end_offset: 8, label: 'ORG' }] });
  r = importSpans(newer, text);
  assert.ok(r.ok);
  assert.deepEqual(r.annotations.map(key), ['5-9:ORG:Blue']);
});

test('spans import: another text, offsets out of range, and a span text that disagrees are errors', () => {
  let r = importSpans(JSON.stringify({ text: 'Maria Schmidt visits', spans: [] }), TEXT);
  assert.ok(!r.ok && r.problems[0].line === 1 && /differs from the document at 1:20/.test(r.problems[0].message));
  const bad = (spans: unknown): ReturnType<typeof importSpans> => importSpans(`\n${JSON.stringify({ text: TEXT, spans })}\n`, TEXT);
  r = bad([{ start: 0, end: 999, label: 'X' }]);
  assert.ok(!r.ok && r.problems[0].line === 2 && /0 <= start < end/.test(r.problems[0].message));
  r = bad([{ start: 0, end: 5, label: 'PER', text: 'Mario' }]);
  assert.ok(!r.ok && /"Mario" is not the text at its offsets, "Maria"/.test(r.problems[0].message));
  r = bad([{ start: 0, end: 5 }]);
  assert.ok(!r.ok && /"label"/.test(r.problems[0].message));
  r = importSpans('{"text": 1}\n', TEXT);
  assert.ok(!r.ok && /"text" string/.test(r.problems[0].message));
  r = importSpans('not json', TEXT);
  assert.ok(!r.ok && r.problems[0].line === 1);
});

test('export: labels off word boundaries and overlapping labels are warned about, not dropped silently', () => {
  const ann: Annotation[] = [
    { start: 0, end: 3, text: 'Mar', label: 'PER', source: 'corrected' },
    { start: 2, end: 13, text: TEXT.slice(2, 13), label: 'ORG', source: 'corrected' },
  ];
  const r = exportAs('conll', TEXT, words(TEXT), ann, 'iob2');
  assert.match(r.content, /^Maria B-PER\nSchmidt O\n/);
  assert.equal(r.warnings.length, 2);
  assert.match(r.warnings[0].message, /"Mar" at 1:1 \(PER\) does not start and end at word boundaries/);
  assert.match(r.warnings[1].message, /overlaps a label before it/);
});

test('removed labels (O) are not exported', () => {
  const ann: Annotation[] = [{ start: 0, end: 5, text: 'Maria', label: 'O', source: 'corrected' }];
  assert.deepEqual(JSON.parse(exportSpans(TEXT, ann).content).spans, []);
  assert.match(exportAs('conll', TEXT, words(TEXT), ann, 'iob2').content, /^Maria O\n/);
});

test('file names suggest formats', () => {
  const cases: Array<[string, ExportFormat | undefined]> = [
    ['a.conll', 'conll'],
    ['a.CONLLU', 'conllu'],
    ['a.jsonl', 'spans'],
    ['a.bio', 'conll'],
    ['a.txt', undefined],
  ];
  for (const [n, f] of cases) assert.equal(formatOfFile(n), f);
});
