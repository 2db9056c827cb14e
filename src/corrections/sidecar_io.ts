// Reading a document's sidecar into its state, and writing its corrections back atomically.
// A sidecar is read once per opened document; the file may have been edited outside the editor
// since it was written, so its labels are anchored to the text as it is (moved ones and lost
// ones are marked for review). A write never touches a sidecar that could not be read. What was
// read or written is remembered (its corrections and content hash) so that a change made outside
// the editor since is found and merged (outside.ts), never overwritten.
import * as path from 'node:path';
import type * as vscode from 'vscode';
import { anchorToText } from '../core/annotations';
import { describeFsError } from '../core/fs_errors';
import { contentHash, readSidecar, serializeSidecar, writeFileAtomic } from '../core/sidecar';
import type { DocAnnotations } from './doc_state';
import { hashText } from './history';

/** Reads the sidecar into `s`: 'loaded' (corrections in `s`), 'unreadable' (problems in `s`), or 'missing'. */
export async function readInto(
  s: DocAnnotations,
  file: string,
  text: string,
  log: vscode.LogOutputChannel,
): Promise<'loaded' | 'unreadable' | 'missing'> {
  const read = await readSidecar(file);
  if (read.kind === 'unreadable') {
    s.fileHash = read.hash;
    s.state = 'unreadable';
    s.problems = read.problems;
    log.error(
      `sidecar ${file} cannot be used (it is left as it is): ${read.problems.map((p) => `line ${p.line}: ${p.message}`).join('; ')}`,
    );
    return 'unreadable';
  }
  if (read.kind !== 'ok') return 'missing';
  const anchored = anchorToText(read.annotations, text);
  s.corrections = anchored.annotations;
  s.base = anchored.annotations;
  s.fileHash = read.hash;
  s.state = 'loaded';
  if (anchored.moved || anchored.lost) {
    log.warn(
      `${file}: ${anchored.moved} labels moved to where their text now is, ${anchored.lost} no longer fit the text; all are marked for review`,
    );
  }
  if (s.corrections.length) s.textHash = hashText(text);
  return 'loaded';
}

/**
 * Writes the document's corrections to its sidecar. Returns undefined when written (or when
 * there is nothing to write), else why it failed, in words.
 */
export async function writeFrom(
  s: DocAnnotations,
  doc: vscode.TextDocument,
): Promise<{ readonly error: string; readonly detail: string } | undefined> {
  const sidecar = s.sidecar!;
  try {
    const corrections = s.corrections;
    const content = serializeSidecar(corrections, path.basename(doc.uri.fsPath));
    await writeFileAtomic(sidecar, content);
    s.base = corrections;
    s.fileHash = contentHash(content);
    return undefined;
  } catch (e) {
    const name = path.basename(doc.uri.fsPath);
    return {
      error: `the corrections to ${name} could not be saved to ${sidecar}: ${describeFsError(e, 'write')}`,
      detail: (e as Error).message,
    };
  }
}
