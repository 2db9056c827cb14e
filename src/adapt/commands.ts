// The learning commands: Learn from Corrections (its outcome is the command's result) and
// Revert to Base Model.
import * as vscode from 'vscode';
import type { Learning } from './learning';

export interface LearningServices {
  readonly learning: Learning;
}

export function registerLearningCommands({ learning }: LearningServices): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand('bertLstm.learnFromCorrections', () => learning.learn()),
    vscode.commands.registerCommand('bertLstm.revertToBaseModel', () => learning.revert()),
  ];
}
