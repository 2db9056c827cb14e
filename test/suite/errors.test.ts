// Bad model settings: a clear problem, nothing drawn, and the editor keeps working.
import * as assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { api, closeAllEditors, openText } from './helpers';

async function setModelPath(value: string | undefined): Promise<void> {
  await vscode.workspace.getConfiguration('bertLstm').update('modelPath', value, vscode.ConfigurationTarget.Global);
}

suite('Model errors', () => {
  teardown(async () => {
    await setModelPath(undefined);
    await closeAllEditors();
  });

  test('a missing bundle folder is reported in words and nothing is drawn', async () => {
    const a = await api();
    await setModelPath('/nonexistent/bundle');
    const editor = await openText('Nothing to see here.');
    const result = await vscode.commands.executeCommand('bertLstm.labelDocument');
    assert.equal(result, undefined);
    assert.match(a.modelProblems().join('\n'), /does not exist/);
    assert.equal(a.decorationsFor(editor).length, 0);
    // back to the default model: labeling works again without a reload
    await setModelPath(undefined);
    assert.ok(await vscode.commands.executeCommand('bertLstm.labelDocument'));
    assert.ok(a.decorationsFor(editor).length > 0);
    assert.deepEqual(a.modelProblems(), []);
  });

  test('a corrupt bundle names the broken file', async () => {
    const a = await api();
    const dir = mkdtempSync(path.join(tmpdir(), 'bad-bundle-'));
    writeFileSync(path.join(dir, 'model.onnx'), 'not onnx');
    writeFileSync(path.join(dir, 'tokenizer.json'), '{"model": {"type": "WordPiece", "vocab": {}}}');
    writeFileSync(path.join(dir, 'config.json'), '{ this is not json');
    await setModelPath(dir);
    await openText('Still usable.');
    assert.equal(await vscode.commands.executeCommand('bertLstm.labelDocument'), undefined);
    const problems = a.modelProblems().join('\n');
    assert.match(problems, /config\.json is not valid JSON/);
    assert.match(problems, /\[CLS\]/);
  });
});

suite('Select Model', () => {
  teardown(async () => {
    await setModelPath(undefined);
    await closeAllEditors();
  });

  test('a folder that is not a bundle is refused with the reason, and the setting is unchanged', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'not-a-bundle-'));
    const problems = await vscode.commands.executeCommand<string[]>('bertLstm.selectModel', vscode.Uri.file(dir));
    assert.match(problems.join('\n'), /not a model bundle: model\.onnx, tokenizer\.json, config\.json missing/);
    assert.equal(vscode.workspace.getConfiguration('bertLstm').get('modelPath'), '');
  });

  test('a valid bundle is remembered in the workspace settings and used', async () => {
    const a = await api();
    const hadSettings = await vscode.workspace.fs.stat(vscode.Uri.joinPath(vscode.workspace.workspaceFolders![0].uri, '.vscode')).then(
      () => true,
      () => false,
    );
    const dir = path.resolve(__dirname, '../../../models/default');
    const problems = await vscode.commands.executeCommand<string[]>('bertLstm.selectModel', vscode.Uri.file(dir));
    assert.deepEqual(problems, []);
    const inspect = vscode.workspace.getConfiguration('bertLstm').inspect<string>('modelPath');
    assert.equal(inspect?.workspaceValue, dir);
    await vscode.workspace.getConfiguration('bertLstm').update('modelPath', undefined, vscode.ConfigurationTarget.Workspace);
    assert.ok(await a.model());
    // leave samples/ as it was: the settings file this test made is removed
    const settings = vscode.Uri.joinPath(vscode.workspace.workspaceFolders![0].uri, '.vscode');
    if (!hadSettings) await vscode.workspace.fs.delete(settings, { recursive: true }).then(undefined, () => undefined);
  });
});
