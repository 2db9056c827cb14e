// A hostile bundle in the real editor (issue 19, items 1 and 9): a copy of the default model
// whose word_pattern backtracks without bound, `(\w+\s?)*$`, froze the extension host for
// minutes on one ordinary sentence. Selected through the setting, it is refused in words that
// name the bundle and the field, nothing is labeled with it, and the host keeps answering:
// a timer ticks while the bundle is checked, and the default model labels again at once.
import * as assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { api, closeAllEditors, openText, setSetting } from './helpers';

const DEFAULT = path.resolve(__dirname, '../../../models/default');

function hostileCopy(pattern: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'hostile-bundle-'));
  for (const f of ['model.onnx', 'tokenizer.json', 'tokenizer_config.json']) symlinkSync(path.join(DEFAULT, f), path.join(dir, f));
  const config = JSON.parse(readFileSync(path.join(DEFAULT, 'config.json'), 'utf8')) as Record<string, unknown>;
  writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ ...config, word_pattern: pattern }));
  return dir;
}

suite('A hostile bundle', () => {
  teardown(async () => {
    await setSetting('modelPath', undefined);
    await closeAllEditors();
  });

  test('a word_pattern that backtracks without bound is refused in words, and the editor stays responsive', async () => {
    const a = await api();
    const dir = hostileCopy('(\\w+\\s?)*$');
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    try {
      await setSetting('modelPath', dir);
      const editor = await openText('President Bush on Tuesday nominated two individuals.');
      const result = await vscode.commands.executeCommand('bertLstm.labelDocument');
      assert.equal(result, undefined, 'the hostile bundle labeled the document');
      const problems = a.modelProblems().join('\n');
      assert.match(problems, /config\.json: "word_pattern" can match whitespace/);
      assert.match(problems, /"word_pattern" can match an empty string/);
      assert.ok(problems.includes(`the bundle "${path.basename(dir)}"`), problems);
      assert.equal(a.decorationsFor(editor).length, 0);
      assert.ok(ticks > 0, 'the host ran no timer while the bundle was loaded');
      // the default model labels at once: nothing is stuck
      await setSetting('modelPath', undefined);
      assert.ok(await vscode.commands.executeCommand('bertLstm.labelDocument'));
      assert.ok(a.decorationsFor(editor).length > 0);
    } finally {
      clearInterval(timer);
    }
  });

  test('a pattern whose only fault is runaway backtracking is refused after the check in a worker', async () => {
    const a = await api();
    await setSetting('modelPath', hostileCopy('(?:[a-z]+)+!'));
    await openText('President Bush on Tuesday nominated two individuals.');
    assert.equal(await vscode.commands.executeCommand('bertLstm.labelDocument'), undefined);
    assert.match(a.modelProblems().join('\n'), /"word_pattern" can backtrack without bound on some texts/);
  });
});
