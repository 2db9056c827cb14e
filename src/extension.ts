// Activation: builds the container (every service, once) and returns the extension's API, with
// the test hooks only in Test mode. Nothing heavy happens here: the model loads on first use.
import * as vscode from 'vscode';
import { productApi, testHooks, type BertLstmApi, type BertLstmTestApi } from './api';
import { Container } from './container';

export type { BertLstmApi, BertLstmTestApi, BertLstmTestHooks, ExtensionResources } from './api';

export function activate(context: vscode.ExtensionContext): BertLstmApi | BertLstmTestApi {
  const t0 = performance.now();
  const container = new Container(context);
  context.subscriptions.push(container);
  const activationMs = performance.now() - t0;
  container.log.info(`activated in ${activationMs.toFixed(1)} ms`);
  const api = productApi(container, activationMs);
  return context.extensionMode === vscode.ExtensionMode.Test ? { ...api, ...testHooks(container) } : api;
}

export function deactivate(): void {
  // the container is in the context's subscriptions: VS Code disposes it
}
