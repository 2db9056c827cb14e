// A sidecar that cannot be written, in the real extension host: the document's folder is made
// read-only for real (a read-only bind mount, or else the immutable attribute; tests run as root,
// so chmod would not stop a write). Saving a correction then fails: the user is told why, the
// correction is kept and drawn, the old sidecar file is untouched, the editor keeps working, and
// the correction is written once the folder is writable again. The folder is always given back
// (umount / chattr -i), also when a check fails. READONLY_BY=mount or READONLY_BY=chattr in the
// environment tries only that way (to check each on a machine that has both).
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { parseSidecar } from '../../src/core/sidecar';
import type { AnnotationsSnapshot } from '../../src/corrections/store';
import { api, closeAllEditors, waitFor } from './helpers';
import { cursorAt, openTemp, state, waitForState } from './workflow_helpers';

const TEXT = 'The cat sat on the mat. The dog saw the cat near the door.\n';

interface ReadOnly {
  /** How the folder was made read-only. */
  readonly how: string;
  /** Makes it writable again (idempotent). */
  restore(): void;
}

const run = (cmd: string, args: string[]): void => {
  execFileSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
};
const errorText = (e: unknown): string => {
  const err = e as { stderr?: Buffer; message?: string };
  return (err.stderr?.toString().trim() || err.message || String(e)).replace(/\s+/g, ' ');
};

/** The error code a write into dir meets now (undefined: the write went through). */
function probeWrite(dir: string): string | undefined {
  const probe = path.join(dir, '.write-probe');
  try {
    writeFileSync(probe, 'x');
  } catch (e) {
    return (e as NodeJS.ErrnoException).code ?? 'error';
  }
  rmSync(probe, { force: true });
  return undefined;
}

/**
 * Makes dir read-only for root: a read-only bind mount of the folder on itself (needs
 * CAP_SYS_ADMIN), else the immutable attribute (CAP_LINUX_IMMUTABLE, ext4 and others). Throws,
 * with every error, when neither holds.
 */
function makeReadOnly(dir: string): ReadOnly {
  const tried: string[] = [];
  const only = process.env.READONLY_BY;
  try {
    if (only === 'chattr') throw new Error('not tried (READONLY_BY=chattr)');
    run('mount', ['--bind', dir, dir]);
    let mounted = true;
    const restore = (): void => {
      if (!mounted) return;
      try {
        run('umount', [dir]);
      } catch {
        run('umount', ['-l', dir]); // busy: detach it now, the kernel finishes when it can
      }
      mounted = false;
    };
    try {
      run('mount', ['-o', 'remount,ro,bind', dir]);
    } catch (e) {
      restore();
      throw e;
    }
    const code = probeWrite(dir);
    if (code) return { how: `read-only bind mount (a write meets ${code})`, restore };
    restore();
    tried.push('read-only bind mount: the folder stayed writable');
  } catch (e) {
    tried.push(`read-only bind mount: ${errorText(e)}`);
  }
  try {
    if (only === 'mount') throw new Error('not tried (READONLY_BY=mount)');
    run('chattr', ['+i', dir]);
    let immutable = true;
    const restore = (): void => {
      if (!immutable) return;
      run('chattr', ['-i', dir]);
      immutable = false;
    };
    const code = probeWrite(dir);
    if (code) return { how: `chattr +i (a write meets ${code})`, restore };
    restore();
    tried.push('chattr +i: the folder stayed writable');
  } catch (e) {
    tried.push(`chattr +i: ${errorText(e)}`);
  }
  throw new Error(
    `cannot make a folder read-only for root on this machine (needs CAP_SYS_ADMIN or CAP_LINUX_IMMUTABLE): ${tried.join('; ')}`,
  );
}

async function correct(editor: vscode.TextEditor, word: string, label: string): Promise<number> {
  const at = cursorAt(editor, word);
  assert.equal(await vscode.commands.executeCommand('bertLstm.correctLabel', { label }), true, `correcting "${word}" is applied`);
  return at;
}

const shown = (s: AnnotationsSnapshot): Array<[number, string]> =>
  s.decorations.flatMap((d) => d.ranges.map(([start]) => [start, d.key.split('|')[0]] as [number, string])).sort((x, y) => x[0] - y[0]);

suite('Sidecar write failure (read-only folder)', () => {
  const readOnly: ReadOnly[] = [];
  suiteSetup(async () => {
    await api();
  });
  teardown(async () => {
    // whatever happened, the folders are writable again
    for (const r of readOnly.splice(0)) r.restore();
    await closeAllEditors();
  });

  test('a correction that cannot be saved is reported, kept and drawn; the old file is untouched; it is saved once the folder is writable', async () => {
    const a = await api();
    const { editor, file } = await openTemp(TEXT);
    const dir = path.dirname(file);
    const sidecar = file + '.labels.jsonl';
    assert.ok(await vscode.commands.executeCommand('bertLstm.labelDocument'));
    const cat = await correct(editor, 'cat', 'VERB');
    const before = readFileSync(sidecar, 'utf8');
    assert.equal((await state()).saveError, undefined);

    const ro = makeReadOnly(dir);
    readOnly.push(ro);
    console.log(`      the folder is read-only by: ${ro.how}`);
    const dog = await correct(editor, 'dog', 'ADJ');
    const failed = await waitForState((s) => s.saveError !== undefined);
    // the user is told which file, and why in words
    assert.match(failed.saveError!, /the corrections to doc\.txt could not be saved to /);
    assert.ok(failed.saveError!.includes(sidecar), failed.saveError);
    assert.match(
      failed.saveError!,
      /read-only file system \(EROFS\)|does not permit writing in the folder \(it may be immutable\) \(EPERM\)/,
    );
    // nothing is lost: both corrections are held and drawn
    assert.equal(failed.unsaved, true);
    assert.deepEqual(
      failed.corrections.map((c) => [c.start, c.text, c.label]),
      [
        [cat, 'cat', 'VERB'],
        [dog, 'dog', 'ADJ'],
      ],
    );
    assert.deepEqual(shown(failed), [
      [cat, 'VERB'],
      [dog, 'ADJ'],
    ]);
    // the old file is as it was, and no temporary file is left
    assert.equal(readFileSync(sidecar, 'utf8'), before);
    assert.deepEqual(readdirSync(dir).sort(), ['doc.txt', 'doc.txt.labels.jsonl']);

    // the editor keeps working: labeling, the hover, another correction, undo
    const labeled = await vscode.commands.executeCommand('bertLstm.labelDocument');
    assert.ok(labeled, 'Label Document still labels');
    assert.ok(a.decorationsFor(editor).length > 0, 'model labels are drawn');
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>(
      'vscode.executeHoverProvider',
      editor.document.uri,
      editor.document.positionAt(dog + 1),
    );
    const hoverText = hovers
      .flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : (c as vscode.MarkdownString).value)))
      .join('\n');
    assert.match(hoverText, /\*\*ADJ\*\* corrected/);
    const door = await correct(editor, 'door', 'VERB');
    assert.equal(await vscode.commands.executeCommand('bertLstm.undoCorrection'), true);
    assert.deepEqual(
      (await state()).corrections.map((c) => c.start),
      [cat, dog],
    );
    assert.equal(await vscode.commands.executeCommand('bertLstm.redoCorrection'), true);
    assert.deepEqual(
      (await state()).corrections.map((c) => c.start),
      [cat, dog, door],
    );

    // Save Corrections (the message's Retry) fails the same way while the folder is read-only
    assert.equal(await vscode.commands.executeCommand('bertLstm.saveCorrections'), false);
    assert.ok((await state()).saveError);
    assert.equal(readFileSync(sidecar, 'utf8'), before);

    ro.restore();
    assert.equal(probeWrite(dir), undefined, 'the folder is writable again');
    assert.equal(await vscode.commands.executeCommand('bertLstm.saveCorrections'), true);
    const saved = await state();
    assert.equal(saved.saveError, undefined);
    assert.equal(saved.unsaved, false);
    const parsed = parseSidecar(readFileSync(sidecar, 'utf8'));
    assert.ok(parsed.ok, JSON.stringify(!parsed.ok && parsed.problems));
    assert.deepEqual(
      parsed.annotations.map((c) => [c.start, c.text, c.label, c.source]),
      [
        [cat, 'cat', 'VERB', 'corrected'],
        [dog, 'dog', 'ADJ', 'corrected'],
        [door, 'door', 'VERB', 'corrected'],
      ],
    );
  });

  test('a document closed and opened again before its corrections could be written gets them back (language mode changed)', async () => {
    const { editor, file } = await openTemp(TEXT);
    const dir = path.dirname(file);
    const sidecar = file + '.labels.jsonl';
    assert.ok(await vscode.commands.executeCommand('bertLstm.labelDocument'));
    const ro = makeReadOnly(dir);
    readOnly.push(ro);
    const sat = await correct(editor, 'sat', 'NOUN');
    await waitForState((s) => s.saveError !== undefined);
    assert.deepEqual(readdirSync(dir), ['doc.txt'], 'no sidecar could be made');

    // Changing the language mode closes the document and opens it again (VS Code closes a
    // document on its own schedule after its editor is closed, so that is not waited for here).
    const uri = editor.document.uri.toString();
    const closed = new Promise<void>((resolve) => {
      const sub = vscode.workspace.onDidCloseTextDocument((d) => {
        if (d.uri.toString() === uri) {
          sub.dispose();
          resolve();
        }
      });
    });
    const reopened = await vscode.languages.setTextDocumentLanguage(editor.document, 'markdown');
    await closed;
    const again = await waitFor(
      'the editor of the reopened document',
      () => vscode.window.activeTextEditor?.document === reopened && vscode.window.activeTextEditor,
    );
    // opened again (the folder still read-only): the correction is back, drawn, and still unsaved
    const back = await waitForState((s) => s.corrections.length === 1 && s.saveError !== undefined);
    assert.deepEqual(
      back.corrections.map((c) => [c.start, c.text, c.label]),
      [[sat, 'sat', 'NOUN']],
    );
    assert.deepEqual(shown(back), [[sat, 'NOUN']]);
    assert.equal(again.document.isDirty, false);

    ro.restore();
    assert.equal(await vscode.commands.executeCommand('bertLstm.saveCorrections'), true);
    const parsed = parseSidecar(readFileSync(sidecar, 'utf8'));
    assert.ok(parsed.ok);
    assert.deepEqual(
      parsed.annotations.map((c) => [c.start, c.label]),
      [[sat, 'NOUN']],
    );
  });
});
