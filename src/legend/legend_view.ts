// The Label Legend view: what each colour means. A tree view in the Explorer, next to Outline,
// because like Outline it describes the document being edited and should stay in sight while
// annotating; a native tree (not a webview) gives keyboard navigation, screen-reader names,
// checkboxes and the theme's own colours for the swatches (a ThemeIcon takes the label's theme
// colour, so high-contrast themes and `workbench.colorCustomizations` apply to it as to the
// underlines). One row per label of the loaded model (legend_rows.ts): swatch, "PROPN — proper
// noun", its count in the active document; clicking a row selects the next occurrence of the
// label after the cursor (wrapping), and its checkbox shows or hides the label in this workspace
// (kept in the workspace state by Config, on top of `bertLstm.hiddenLabels`).
import * as vscode from 'vscode';
import { displayUnitsOf } from '../core/display_units';
import { nextLabelIndex } from '../core/ranges';
import { sayNoCurrentLabels, sayWrapped } from '../review/navigation';
import type { Services } from '../services';
import { labelsInForce, legendRows, type LabeledRange, type LegendRow } from './legend_rows';

export type LegendServices = Pick<Services, 'config' | 'model' | 'labels' | 'corrections' | 'display' | 'diagnostics' | 'status'>;

export const LEGEND_VIEW = 'bertLstm.legend';
const NEXT_COMMAND = 'bertLstm.legend.nextOccurrence';
/** Refreshes the legend's rows soon (settings.ts, on a change of the settings they show). */
export const LEGEND_REFRESH_COMMAND = 'bertLstm.legend.refresh';

/** What selecting the next occurrence found (returned for tests). */
export interface LegendJump {
  readonly start: number;
  readonly end: number;
  readonly label: string;
  readonly wrapped: boolean;
}

class LegendProvider implements vscode.TreeDataProvider<LegendRow> {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  /** The last active text editor (focus in a view or panel leaves it so). */
  editor: vscode.TextEditor | undefined = vscode.window.activeTextEditor;

  /** The text editor the legend describes: the last active one while it is open, else a visible one. */
  get target(): vscode.TextEditor | undefined {
    const e = this.editor;
    if (e && !e.document.isClosed) return e;
    return vscode.window.activeTextEditor ?? vscode.window.visibleTextEditors[0];
  }

  constructor(private readonly s: LegendServices) {}

  refresh(): void {
    this.changed.fire();
  }

  /** The labels in force in the described document, in document order; undefined without current labels. */
  unitsOf(doc: vscode.TextDocument): LabeledRange[] | undefined {
    const labels = this.s.labels.current(doc);
    if (!labels) return undefined;
    const scheme = this.s.model.loaded?.bundle.config.labelScheme ?? 'plain';
    return labelsInForce(displayUnitsOf(labels.words, scheme, new Set()), this.s.corrections.corrections(doc));
  }

  rows(): LegendRow[] {
    const bundle = this.s.model.loaded?.bundle.config;
    if (!bundle) return [];
    const doc = this.target?.document;
    return legendRows({
      labels: bundle.labels,
      scheme: bundle.labelScheme,
      descriptions: bundle,
      units: doc ? this.unitsOf(doc) : undefined,
      hidden: this.s.config.hiddenLabels,
      settingHidden: this.s.config.settingHiddenLabels,
    });
  }

  getChildren(row?: LegendRow): LegendRow[] {
    return row ? [] : this.rows();
  }

  getTreeItem(row: LegendRow): vscode.TreeItem {
    const t = new vscode.TreeItem(row.title, vscode.TreeItemCollapsibleState.None);
    t.id = row.label;
    const double = row.line === 'double';
    // the swatch in the label's theme colour; concentric rings for labels drawn with a double line
    t.iconPath = new vscode.ThemeIcon(double ? 'target' : 'circle-large-filled', new vscode.ThemeColor(row.colorId));
    const custom = this.s.config.labelColors.get(row.label);
    const parts = [
      row.count === undefined ? undefined : String(row.count),
      double ? 'double line' : undefined,
      row.shown ? undefined : 'hidden',
    ];
    t.description = parts.filter(Boolean).join(' · ');
    t.checkboxState = row.shown ? vscode.TreeItemCheckboxState.Checked : vscode.TreeItemCheckboxState.Unchecked;
    t.contextValue = row.shown ? 'label.shown' : 'label.hidden';
    const md = new vscode.MarkdownString(undefined, true);
    md.appendMarkdown(`**${row.label}**${row.description ? ` — ${row.description}` : ''}\n\n`);
    md.appendText(
      `${row.count === undefined ? 'No current labels in this document.' : `${row.count} in ${this.target ? shortName(this.target.document) : 'this document'}.`} ` +
        `Drawn with a ${double ? 'double' : 'solid'} line${custom ? ` in ${custom} (bertLstm.labelColors)` : ''}.`,
    );
    if (!row.shown)
      md.appendText(row.hiddenBy === 'setting' ? ' Hidden by the bertLstm.hiddenLabels setting.' : ' Hidden in this workspace.');
    md.appendText(`\n\nClick to go to the next ${row.label}; the checkbox shows or hides it in this workspace.`);
    t.tooltip = md;
    t.accessibilityInformation = { label: `${row.title}, ${t.description}` };
    t.command = { command: NEXT_COMMAND, title: `Go to the next ${row.label}`, arguments: [row.label] };
    return t;
  }
}

/** A document's name as short as the view's header allows. */
function shortName(doc: vscode.TextDocument): string {
  return doc.isUntitled ? doc.uri.path : (doc.uri.path.split('/').pop() ?? doc.uri.path);
}

/**
 * Selects the next unit of `label` after the cursor in the legend's editor, wrapping round the
 * document once; undefined (with a message) when the document has no such label.
 */
async function goToNext(p: LegendProvider, label: string): Promise<LegendJump | undefined> {
  const editor = p.target;
  if (!editor) {
    void vscode.window.showInformationMessage('BERT+LSTM: open a labeled document first.');
    return undefined;
  }
  const doc = editor.document;
  const units = p.unitsOf(doc);
  if (!units) {
    sayNoCurrentLabels();
    return undefined;
  }
  const found = nextLabelIndex(units, doc.offsetAt(editor.selection.start), 1, (u) => u.label === label);
  if (!found) {
    void vscode.window.showInformationMessage(`BERT+LSTM: no ${label} in this document.`);
    return undefined;
  }
  const u = units[found.index];
  const range = new vscode.Range(doc.positionAt(u.start), doc.positionAt(u.end));
  // the legend keeps the focus, so that the next click or Enter steps on
  const shown = await vscode.window.showTextDocument(doc, { viewColumn: editor.viewColumn, selection: range, preserveFocus: true });
  shown.revealRange(range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
  if (found.wrapped) sayWrapped(1);
  return { start: u.start, end: u.end, label: u.label, wrapped: found.wrapped };
}

export function registerLegend(s: LegendServices): vscode.Disposable[] {
  const provider = new LegendProvider(s);
  const view = vscode.window.createTreeView(LEGEND_VIEW, { treeDataProvider: provider, showCollapseAll: false });
  let timer: NodeJS.Timeout | undefined;
  const describe = (): void => {
    const e = provider.target;
    view.description = e ? shortName(e.document) : undefined;
  };
  /** Refreshes soon (label and correction changes come in bursts while typing), if the view is shown. */
  const refreshSoon = (): void => {
    if (!view.visible) return;
    clearTimeout(timer);
    timer = setTimeout(() => {
      describe();
      provider.refresh();
    }, 200);
  };
  const redraw = async (): Promise<void> => {
    await s.display.redrawAll();
    s.diagnostics.refreshAll();
    s.status.refresh();
    provider.refresh();
  };
  describe();
  return [
    view,
    { dispose: () => clearTimeout(timer) },
    vscode.window.onDidChangeActiveTextEditor((e) => {
      if (!e) return; // focus went to a panel or a view: keep describing the last editor
      provider.editor = e;
      refreshSoon();
    }),
    s.labels.onDidChange(refreshSoon),
    s.corrections.onDidChange(refreshSoon),
    view.onDidChangeVisibility((e) => {
      if (e.visible) refreshSoon();
    }),
    // settings.ts (the one subscriber to settings changes) calls this when the rows' settings change
    vscode.commands.registerCommand(LEGEND_REFRESH_COMMAND, refreshSoon),
    view.onDidChangeCheckboxState(async (e) => {
      for (const [row, state] of e.items) await s.config.setLabelShown(row.label, state === vscode.TreeItemCheckboxState.Checked);
      await redraw();
    }),
    vscode.commands.registerCommand(NEXT_COMMAND, (label: unknown) =>
      typeof label === 'string' ? goToNext(provider, label) : Promise.resolve(undefined),
    ),
    vscode.commands.registerCommand('bertLstm.legend.showAll', async () => {
      for (const row of provider.rows()) if (row.hiddenBy === 'workspace') await s.config.setLabelShown(row.label, true);
      await redraw();
    }),
    vscode.commands.registerCommand('bertLstm.legend.setShown', async (label: unknown, shown: unknown) => {
      if (typeof label !== 'string' || typeof shown !== 'boolean') return;
      await s.config.setLabelShown(label, shown);
      await redraw();
    }),
    // the rows as the view shows them (for tests and other extensions)
    vscode.commands.registerCommand('bertLstm.legend.rows', () => provider.rows()),
  ];
}
