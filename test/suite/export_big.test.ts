// Export of a big document in the real editor (issue 19, item 2): CoNLL and CoNLL-U export
// was quadratic and ran in one synchronous step on the extension host (500 KB: 114 s with
// the editor frozen). It runs in slices: a 1 ms timer keeps ticking while the export is made
// (counted until the first file appears in the export's folder: the atomic write's temporary
// file; an export made in one step lets the timer run only in the few awaits before it,
// whatever the document's size), and the file is whole. Timings are printed, never asserted.
import * as assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { TransferResult } from '../../src/export/transfer';
import { closeAllEditors } from './helpers';
import { openTemp } from './workflow_helpers';

suite('Export of a big document', () => {
  teardown(closeAllEditors);

  test('CoNLL-U and CoNLL export of a big labeled document keep the host answering', async () => {
    const sentence = 'The committee approved the new budget on Tuesday, and the mayor signed it. ';
    const text = (sentence.repeat(12) + '\n').repeat(1000); // ~900 KB, 180,000 words
    await openTemp(text);
    assert.ok(await vscode.commands.executeCommand('bertLstm.labelDocument'));
    for (const format of ['conllu', 'conll'] as const) {
      const dir = mkdtempSync(path.join(tmpdir(), 'export-big-'));
      const out = path.join(dir, `doc.${format}`);
      let ticks = 0;
      const timer = setInterval(() => {
        if (readdirSync(dir).length === 0) ticks++;
      }, 1);
      const t0 = performance.now();
      let r: TransferResult | undefined;
      try {
        r = await vscode.commands.executeCommand<TransferResult>('bertLstm.exportLabels', { format, uri: vscode.Uri.file(out) });
      } finally {
        clearInterval(timer);
      }
      const ms = performance.now() - t0;
      assert.ok(r?.ok, JSON.stringify(r));
      const content = readFileSync(out, 'utf8');
      const lines = content.split('\n').filter((l) => /^\d+\t|^\S+ \S+$/.test(l)).length;
      assert.equal(lines, 12 * 1000 * 15, `${format}: every word has its line`);
      assert.ok(ticks >= 6, `${format}: the timer ran only ${ticks} times before the export began to be written`);
      console.log(
        `      export ${format} of ${text.length} characters: ${ms.toFixed(0)} ms, the timer ran ${ticks} times before its file began to be written`,
      );
    }
  });
});
