// The workspace's adapted head file (Learn from Corrections): where it is, reading it for the
// model in use (refused in words when it was learned for another model or is damaged, and then
// the model's own head is used), writing it atomically, and removing it (Revert to Base Model).
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { readAdaptedHead, serializeAdaptedHead, type AdaptedHead, type HeadTarget } from '../core/adapt/head_file';
import type { Result } from '../core/bundle';
import { writeFileAtomic } from '../core/atomic_write';
import type { Config } from '../config';

/** The head file's path, or undefined without a workspace folder (and no absolute path set). */
export function headFilePath(config: Config): string | undefined {
  const setting = config.learningHeadFile;
  if (path.isAbsolute(setting)) return setting;
  const folder = vscode.workspace.workspaceFolders?.find((f) => f.uri.scheme === 'file');
  return folder ? path.join(folder.uri.fsPath, setting) : undefined;
}

export async function readWorkspaceHead(file: string, target: () => Promise<HeadTarget>): Promise<Result<AdaptedHead> | undefined> {
  return readAdaptedHead(file, target, vscode.workspace.asRelativePath(file));
}

export async function writeWorkspaceHead(file: string, head: AdaptedHead): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  await writeFileAtomic(file, serializeAdaptedHead(head));
}

/** Removes the head file; false when there was none. */
export async function removeWorkspaceHead(file: string): Promise<boolean> {
  try {
    await fs.unlink(file);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw e;
  }
}
