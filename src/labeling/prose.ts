// What of a document a labeling run labels: its prose (core/prose_*.ts) unless `bertLstm.prose`
// says the whole file. Markdown goes to the Markdown parser; any other language to the
// TextMate grammar an installed extension contributes for it (from `vscode.extensions.all`,
// read again when extensions change), so every language VS Code colours has its comments and
// strings found; a language without a grammar (plain text) is labeled whole. The ranges are
// found in a worker, anew for every run (an edit anywhere can open or close a code block); a
// code file's tokens are kept from its last run, so that an edit re-tokenizes only what changed.
// A grammar that cannot be used is said once in the log, and its documents are labeled whole.
import * as vscode from 'vscode';
import type { OffsetRange } from '../core/ranges';
import { contributionsOf, scopeOfLanguage } from '../core/prose_extensions';
import { ProseFinder } from '../core/prose_finder';
import type { ProseSpec } from '../core/prose_spec';
import type { GrammarSource } from '../core/prose_textmate';
import type { Config } from '../config';

export class DocumentProse implements vscode.Disposable {
  private readonly finder = new ProseFinder();
  private grammars: GrammarSource[] | undefined;
  private readonly told = new Set<string>();
  private readonly subscription = vscode.extensions.onDidChange(() => (this.grammars = undefined));

  constructor(
    private readonly config: Config,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  /** How the document's prose is found; undefined: the whole document is labeled. */
  specFor(doc: vscode.TextDocument): ProseSpec | undefined {
    if (this.config.proseMode(doc) === 'wholeFile') return undefined;
    if (doc.languageId === 'markdown') return { kind: 'markdown' };
    const grammars = this.installedGrammars();
    const scopeName = scopeOfLanguage(doc.languageId, grammars);
    return scopeName ? { kind: 'grammar', scopeName, grammars, key: doc.uri.toString() } : undefined;
  }

  /** The ranges of `text` (the document's, now) to label; undefined: all of it. */
  async rangesFor(doc: vscode.TextDocument, text: string, signal: AbortSignal): Promise<readonly OffsetRange[] | undefined> {
    const spec = this.specFor(doc);
    if (!spec) return undefined;
    const r = await this.finder.find(text, spec, signal);
    if (r.ok) return r.ranges;
    const what = spec.kind === 'grammar' ? spec.scopeName : spec.kind;
    if (!this.told.has(what)) {
      this.told.add(what);
      this.log.warn(`the prose of ${doc.languageId} documents cannot be found (${r.problems.join('; ')}): they are labeled whole`);
    }
    return undefined;
  }

  private installedGrammars(): GrammarSource[] {
    this.grammars ??= vscode.extensions.all.flatMap((e) => contributionsOf(e.packageJSON, e.extensionPath).grammars);
    return this.grammars;
  }

  dispose(): void {
    this.subscription.dispose();
    void this.finder.dispose();
  }
}
