// Prose only, in a real extension host: a Markdown document and a Python file get labels on
// their prose only (Markdown's text; Python's comments, docstrings and strings, from the
// grammar VS Code's own Python extension contributes), the ranges follow edits, the export
// says which ranges were labeled, and `bertLstm.prose: wholeFile` labels everything.
import * as assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { api, closeAllEditors, openText, waitFor, withSettings } from './helpers';

type Ranges = ReadonlyArray<{ readonly start: number; readonly end: number }>;

const inside = (ranges: Ranges, start: number, end: number): boolean => ranges.some((r) => r.start <= start && end <= r.end);

const MARKDOWN = [
  '# The 😀 heading with `inline code`',
  '',
  'A paragraph about [the river](https://example.com/river) and its banks.',
  '',
  '> A quoted line.',
  '',
  '- A list item',
  '',
  '| Town | River |',
  '|------|-------|',
  '| Ely  | Ouse  |',
  '',
  '```python',
  'def hidden(): return 1',
  '```',
  '',
].join('\n');

const PYTHON = [
  '# The parser reads every line.',
  'def parse(path):',
  '    """Return the words of the file."""',
  '    with open(path) as handle:',
  '        return handle.read().split("some words here")',
  '',
].join('\n');

suite('Prose only', () => {
  teardown(closeAllEditors);

  test('Markdown: labels only on the prose, exact offsets, and the export says which ranges', async () => {
    const a = await api();
    const editor = await openText(MARKDOWN, 'markdown');
    const result = await waitFor('labels', () => a.resultFor(editor.document));
    const ranges = result.ranges;
    assert.ok(ranges && ranges.length > 0, 'the result has its labeled ranges');
    const text = editor.document.getText();
    const words = result.words.map((w) => w.text);
    for (const w of result.words) {
      assert.ok(inside(ranges, w.start, w.end), `"${w.text}" at ${w.start} is outside the prose`);
      assert.equal(text.slice(w.start, w.end), w.text);
    }
    for (const expected of ['The', '😀', 'heading', 'paragraph', 'river', 'banks', 'quoted', 'list', 'Town', 'Ouse']) {
      assert.ok(words.includes(expected), `${expected} is not labeled: ${words.join(' ')}`);
    }
    for (const never of ['#', '`', 'inline', 'https', 'example', '>', '-', '|', 'def', 'hidden', 'python']) {
      assert.ok(!words.some((w) => w === never || w.includes('://')), `${never} is labeled`);
    }
    assert.ok(a.decorationsFor(editor).length > 0);

    const out = path.join(mkdtempSync(path.join(tmpdir(), 'prose-export-')), 'note.jsonl');
    const exported = await vscode.commands.executeCommand<{ ok: boolean }>('bertLstm.exportLabels', {
      format: 'spans',
      uri: vscode.Uri.file(out),
    });
    assert.ok(exported?.ok);
    const record = JSON.parse(readFileSync(out, 'utf8'));
    assert.ok(Array.isArray(record.labeled_ranges) && record.labeled_ranges.length === ranges.length, readFileSync(out, 'utf8'));
    const cps = [...text];
    for (const [s, e] of record.labeled_ranges as Array<[number, number]>) {
      assert.ok(
        ranges.some((r) => text.slice(r.start, r.end) === cps.slice(s, e).join('')),
        `code point range ${s}-${e}`,
      );
    }
  });

  test('Markdown, live: a paragraph put inside a code fence loses its labels', async () => {
    const a = await api();
    const editor = await openText('First paragraph stays.\n\nSecond paragraph goes.\n', 'markdown');
    const before = await waitFor('labels', () => a.labelsFor(editor.document)).catch((e: Error) => {
      throw new Error(`${e.message}; runs: ${JSON.stringify(a.counters())}, language ${editor.document.languageId}`);
    });
    assert.ok(
      before.some((w) => w.text === 'goes'),
      before.map((w) => w.text).join(' '),
    );
    await editor.edit((e) => {
      e.insert(new vscode.Position(2, 0), '```\n');
      e.insert(new vscode.Position(3, 0), '```\n');
    });
    const words = await waitFor('labels of the edited text', () => {
      const w = a.labelsFor(editor.document);
      return w && !w.some((x) => x.text === 'goes') ? w : undefined;
    });
    assert.deepEqual(
      words.map((w) => w.text),
      ['First', 'paragraph', 'stays', '.'],
    );
  });

  test('Python: only comments, docstrings and strings; the wholeFile setting labels everything', async () => {
    const a = await api();
    const editor = await openText(PYTHON, 'python');
    assert.equal(editor.document.languageId, 'python');
    const result = await vscode.commands.executeCommand<{ words: Array<{ text: string; start: number; end: number }> } | undefined>(
      'bertLstm.labelDocument',
    );
    assert.ok(result, 'Label Document labeled the Python file');
    const stored = a.resultFor(editor.document);
    assert.ok(stored?.ranges, 'the labels say which ranges were labeled');
    assert.deepEqual(
      stored.words.map((w) => w.text),
      ['The', 'parser', 'reads', 'every', 'line', '.', 'Return', 'the', 'words', 'of', 'the', 'file', '.', 'some', 'words', 'here'],
    );
    const whole = await withSettings({ prose: 'wholeFile' }, async () => {
      // the settings change relabels the document
      return waitFor('labels of the whole file', () => {
        const r = a.resultFor(editor.document);
        return r && !r.ranges && r.words.some((w) => w.text === 'def') ? r : undefined;
      });
    });
    for (const t of ['#', 'def', 'parse', 'handle', 'split'])
      assert.ok(
        whole.words.some((w) => w.text === t),
        `${t} is not labeled`,
      );
    // back to auto: the prose only again
    await waitFor('labels of the prose again', () => a.resultFor(editor.document)?.ranges);
  });
});
