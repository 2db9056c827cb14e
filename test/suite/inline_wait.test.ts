// The inline style's tags for a document whose labels are still on their way, in a real
// extension host. The editor asks for inlay hints as soon as a document is shown, while live
// labeling is still running, and VS Code drops a change event fired while such a request is on
// its way; so the request itself must answer with the tags (inline_tags.ts waits for the labels
// of a document labeled live). Asked before the labels exist, the answer holds a tag for every
// word but those of `bertLstm.inline.hiddenLabels`.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { api, closeAllEditors, settled, withSettings } from './helpers';

const TEXT = 'The committee said on Tuesday that prices rose again, and the workers asked for more pay.';

suite('Inline tags before the labels', () => {
  teardown(closeAllEditors);

  test('asked before a live document is labeled, the inlay hints are its tags', async () => {
    const a = await api();
    await withSettings({ displayStyle: 'inline', 'inline.hiddenLabels': ['PUNCT'], 'live.enabled': true }, async () => {
      const doc = await vscode.workspace.openTextDocument({ content: TEXT, language: 'plaintext' });
      const whole = new vscode.Range(0, 0, doc.lineCount, 0);
      assert.equal(a.resultFor(doc), undefined, 'the document has no labels yet when the tags are asked for');
      const asked = vscode.commands.executeCommand<vscode.InlayHint[]>('vscode.executeInlayHintProvider', doc.uri, whole);
      await vscode.window.showTextDocument(doc);
      const hints = (await asked) ?? [];
      const labels = await settled(a, doc);
      const tagged = labels.words.filter((w) => w.label !== 'PUNCT');
      assert.ok(tagged.length > 5, `the text has words to tag (${tagged.length})`);
      assert.deepEqual(
        hints.map((h) => doc.offsetAt(h.position)),
        tagged.map((w) => w.end),
        'a tag after each word, in the answer to the request made before the labels',
      );
    });
  });
});
