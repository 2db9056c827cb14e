// A BIO bundle: entity spans are drawn as one decoration each, with the entity type.
// The bundle reuses the default model's graph with a BIO label set (17 labels), which is all
// the drawing logic needs; its words are BERT's pre-tokens (no word_pattern).
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { decodeSpans } from '../../src/core/spans';
import { api, BIO_TYPES, bioBundle, closeAllEditors, openText } from './helpers';

suite('Entity spans (BIO bundle)', () => {
  suiteSetup(async () => {
    await vscode.workspace.getConfiguration('bertLstm').update('modelPath', bioBundle('bio-test'), vscode.ConfigurationTarget.Global);
  });
  suiteTeardown(async () => {
    await vscode.workspace.getConfiguration('bertLstm').update('modelPath', undefined, vscode.ConfigurationTarget.Global);
  });
  teardown(closeAllEditors);

  test('each decoration is one decoded span with its entity type', async () => {
    const a = await api();
    const editor = await openText('John Smith met the board of Acme Corp in Paris on Monday, and they signed the deal.');
    const result = await vscode.commands.executeCommand<{ words: unknown[] } | undefined>('bertLstm.labelDocument');
    assert.ok(result, 'no result');
    assert.equal((await a.model())?.name, 'bio-test');
    const words = a.labelsFor(editor.document)!;
    const spans = decodeSpans(words, 'BIO', new Set(['O']));
    const drawn = a
      .decorationsFor(editor)
      .flatMap((d) => d.ranges.map((r) => `${editor.document.offsetAt(r.start)}-${editor.document.offsetAt(r.end)}:${d.label}`))
      .sort();
    assert.deepEqual(drawn, spans.map((s) => `${s.start}-${s.end}:${s.label}`).sort());
    for (const d of a.decorationsFor(editor)) assert.ok(BIO_TYPES.includes(d.label), `${d.label} is an entity type`);
    // words are BERT's pre-tokens here: punctuation is its own word
    assert.ok(words.some((w) => w.text === ','));
  });
});
