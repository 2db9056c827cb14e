// The only reader of the extension's settings: typed getters over `bertLstm.*`, each with its
// default and its bounds, so that a bad value in settings.json never reaches the services.
// The labeler's options are built here once (`labelOptions`): every run (documents, selections,
// the panel's selection scores, corrections, batch) labels with the same strategy and stride.
import { availableParallelism } from 'node:os';
import * as vscode from 'vscode';
import { autoWorkers } from './core/engine';
import { AGGREGATION_STRATEGIES, type AggregationStrategy } from './core/aggregate';
import { DEFAULT_MEMORY_THRESHOLD } from './core/adapt/memory';
import type { LabelOptions } from './core/labeler';
import { AGREEING_LABELS, type AgreeingLabels } from './core/import_compare';
import { settingInJsonc } from './core/settings_file';

export const SECTION = 'bertLstm';
/** The workspace state key of the legend's shown / hidden labels. */
const LEGEND_STATE_KEY = 'bertLstm.legend.shownLabels';

/** What of a document is labeled: its prose only, or the whole file. */
export type ProseMode = 'auto' | 'wholeFile';

/** How a label is drawn: a colored underline, a tinted background, or a tag after the word. */
export type DisplayStyle = 'underline' | 'background' | 'inline';

/** CSS colors accepted in `bertLstm.labelColors`: hex (#rgb, #rgba, #rrggbb, #rrggbbaa), rgb(a)(), hsl(a)(). */
const CSS_COLOR = /^(#([0-9a-f]{3,4}|[0-9a-f]{6}|[0-9a-f]{8})|(rgb|rgba|hsl|hsla)\(\s*[-\d.%,\s/]+\))$/i;

export function isCssColor(v: unknown): v is string {
  return typeof v === 'string' && CSS_COLOR.test(v.trim());
}

export class Config {
  /**
   * `workspaceState`: where the legend's per-workspace choices of labels to show or hide are
   * kept (without it, as in tests that build a Config alone, only the settings count).
   */
  constructor(private readonly workspaceState?: vscode.Memento) {}

  private get cfg(): vscode.WorkspaceConfiguration {
    return vscode.workspace.getConfiguration(SECTION);
  }

  /**
   * The bundle folder the user chose, or undefined for the default model. In an untrusted
   * workspace a path from workspace settings is ignored (VS Code's restricted configuration
   * hands back the user-level value only).
   */
  get modelPath(): string | undefined {
    const v = this.cfg.get<string>('modelPath', '').trim();
    return v.length ? v : undefined;
  }

  /**
   * The model path the workspace's settings set but that is not used because the workspace is
   * not trusted, and the file that sets it; undefined when trusted or not set. VS Code hands an
   * untrusted workspace's value of a restricted setting to no extension (`inspect` leaves it out
   * too), so the workspace's settings files are read here to tell the user why; a path read this
   * way is never loaded.
   */
  async ignoredWorkspaceModelPath(): Promise<{ value: string; file: string } | undefined> {
    if (vscode.workspace.isTrusted) return undefined;
    const i = this.cfg.inspect<string>('modelPath');
    const given = (i?.workspaceFolderValue ?? i?.workspaceValue)?.trim();
    if (given) return { value: given, file: 'the workspace settings' };
    const key = `${SECTION}.modelPath`;
    const files: Array<{ uri: vscode.Uri; key: string }> = [];
    const workspaceFile = vscode.workspace.workspaceFile;
    if (workspaceFile && workspaceFile.scheme !== 'untitled') files.push({ uri: workspaceFile, key: `settings.${key}` });
    for (const folder of vscode.workspace.workspaceFolders ?? []) {
      files.push({ uri: vscode.Uri.joinPath(folder.uri, '.vscode', 'settings.json'), key });
    }
    for (const f of files) {
      let text: string;
      try {
        text = new TextDecoder().decode(await vscode.workspace.fs.readFile(f.uri));
      } catch {
        continue; // no such file
      }
      const v = settingInJsonc(text, f.key);
      if (typeof v === 'string' && v.trim()) return { value: v.trim(), file: vscode.workspace.asRelativePath(f.uri) };
    }
    return undefined;
  }

  get aggregationStrategy(): AggregationStrategy {
    const v = this.cfg.get<string>('aggregationStrategy', 'first');
    return (AGGREGATION_STRATEGIES as readonly string[]).includes(v) ? (v as AggregationStrategy) : 'first';
  }

  /** The labeler's options from the settings (strategy and stride); callers add a signal, a cache or topK. */
  labelOptions(): Pick<LabelOptions, 'strategy' | 'stride'> {
    return { strategy: this.aggregationStrategy, stride: this.stride };
  }

  /** Labels not drawn: `bertLstm.hiddenLabels`, with the legend's choices for this workspace on top. */
  get hiddenLabels(): ReadonlySet<string> {
    const hidden = this.settingHiddenLabels;
    for (const [label, shown] of Object.entries(this.legendChoices)) {
      if (shown) hidden.delete(label);
      else hidden.add(label);
    }
    return hidden;
  }

  // --- the legend (src/legend/): labels shown or hidden in this workspace ---

  /** `bertLstm.hiddenLabels` alone. */
  get settingHiddenLabels(): Set<string> {
    const v = this.cfg.get<unknown>('hiddenLabels', ['O']);
    return new Set(Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : ['O']);
  }

  /** The legend's choices in this workspace: label -> shown (true) or hidden (false), over the setting. */
  get legendChoices(): Readonly<Record<string, boolean>> {
    const v = this.workspaceState?.get<unknown>(LEGEND_STATE_KEY);
    if (!v || typeof v !== 'object' || Array.isArray(v)) return {};
    return Object.fromEntries(
      Object.entries(v as Record<string, unknown>).filter((e): e is [string, boolean] => typeof e[1] === 'boolean'),
    );
  }

  /** Shows or hides a label in this workspace (a choice equal to the setting's is dropped). */
  async setLabelShown(label: string, shown: boolean): Promise<void> {
    if (!this.workspaceState) return;
    const choices = { ...this.legendChoices };
    if (this.settingHiddenLabels.has(label) === !shown) delete choices[label];
    else choices[label] = shown;
    await this.workspaceState.update(LEGEND_STATE_KEY, choices);
  }

  /** Labels whose tags the inline style leaves out (`bertLstm.inline.hiddenLabels`). */
  get inlineHiddenLabels(): ReadonlySet<string> {
    const v = this.cfg.get<unknown>('inline.hiddenLabels', ['PUNCT']);
    return new Set(Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : ['PUNCT']);
  }

  get confidenceThreshold(): number {
    const v = this.cfg.get<number>('confidenceThreshold', 0.5);
    return Number.isFinite(v) ? Math.min(1, Math.max(0, v)) : 0.5;
  }

  get threads(): number {
    const v = this.cfg.get<number>('threads', 1);
    return Number.isInteger(v) && v >= 1 ? Math.min(v, 16) : 1;
  }

  /** Inference workers, each with its own ONNX Runtime session (`bertLstm.workers`; 0: `autoWorkers`). */
  get workers(): number {
    const v = this.cfg.get<number>('workers', 0);
    return Number.isInteger(v) && v >= 1 ? Math.min(v, 16) : autoWorkers(availableParallelism());
  }

  get stride(): number | undefined {
    const v = this.cfg.get<number | null>('stride', null);
    return typeof v === 'number' && v >= 0 ? Math.floor(v) : undefined;
  }

  get liveEnabled(): boolean {
    return this.cfg.get<boolean>('live.enabled', true);
  }

  get liveLanguages(): readonly string[] {
    return this.cfg.get<string[]>('live.languages', ['plaintext', 'markdown']);
  }

  get liveDebounceMs(): number {
    const v = this.cfg.get<number>('live.debounceMs', 300);
    return Number.isFinite(v) ? Math.min(10_000, Math.max(0, v)) : 300;
  }

  /** Longest wait after the first edit not yet labeled, however often the debounce restarts (0: no maximum). */
  get liveMaxWaitMs(): number {
    const v = this.cfg.get<number>('live.maxWaitMs', 1000);
    return Number.isFinite(v) ? Math.min(60_000, Math.max(0, v)) : 1000;
  }

  /** Documents longer than this are not labeled live (Label Document still labels them). */
  get liveMaxDocumentLength(): number {
    const v = this.cfg.get<number>('live.maxDocumentLength', 2_000_000);
    return Number.isFinite(v) && v >= 0 ? v : 2_000_000;
  }

  /**
   * What of a document is labeled (`bertLstm.prose`, per language too): `auto` its prose
   * (Markdown's text, a code file's comments and strings), `wholeFile` all of it.
   */
  proseMode(doc: { readonly languageId: string; readonly uri: vscode.Uri }): ProseMode {
    const v = vscode.workspace.getConfiguration(SECTION, { languageId: doc.languageId, uri: doc.uri }).get<string>('prose', 'auto');
    return v === 'wholeFile' ? 'wholeFile' : 'auto';
  }

  get displayStyle(): DisplayStyle {
    const v = this.cfg.get<string>('displayStyle', 'underline');
    return v === 'background' || v === 'inline' ? v : 'underline';
  }

  /**
   * Per-label colors that replace the theme's (keys: a label or an entity type, e.g. `NOUN`,
   * `PER`). Values that are not CSS colors are left out and listed in `invalidLabelColors`.
   */
  get labelColors(): ReadonlyMap<string, string> {
    const raw = this.cfg.get<Record<string, unknown>>('labelColors', {});
    const out = new Map<string, string>();
    if (raw && typeof raw === 'object') {
      for (const [label, color] of Object.entries(raw)) if (isCssColor(color)) out.set(label, color.trim());
    }
    return out;
  }

  /** Entries of `labelColors` that are not colors (for a warning). */
  get invalidLabelColors(): readonly string[] {
    const raw = this.cfg.get<Record<string, unknown>>('labelColors', {});
    if (!raw || typeof raw !== 'object') return [];
    return Object.entries(raw)
      .filter(([, c]) => !isCssColor(c))
      .map(([l, c]) => `${l}: ${JSON.stringify(c)}`);
  }

  /** Low-confidence labels as Information diagnostics in the Problems panel. */
  get lowConfidenceDiagnostics(): boolean {
    return this.cfg.get<boolean>('diagnostics.lowConfidence', false);
  }

  /** Remembers the chosen model folder: in the workspace's settings, or the user's without a workspace. */
  async setModelPath(dir: string): Promise<void> {
    const target = vscode.workspace.workspaceFolders?.length ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global;
    await this.cfg.update('modelPath', dir, target);
  }

  // --- labeling workflow (corrections, sidecars, batch, review): docs/WORKFLOW.md ---

  /** Where sidecar annotation files go: a folder relative to the document's (or absolute) and a suffix. */
  get sidecarLocation(): { folder: string; suffix: string } {
    return {
      folder: this.cfg.get<string>('annotations.sidecarFolder', '').trim(),
      suffix: this.cfg.get<string>('annotations.sidecarSuffix', '.labels.jsonl').trim() || '.labels.jsonl',
    };
  }

  get correctionStyle(): 'box' | 'doubleUnderline' | 'background' {
    const v = this.cfg.get<string>('annotations.correctionStyle', 'box');
    return v === 'doubleUnderline' || v === 'background' ? v : 'box';
  }

  get batchMaxBytes(): number {
    const v = this.cfg.get<number>('batch.maxFileBytes', 2_000_000);
    return Number.isInteger(v) && v > 0 ? v : 2_000_000;
  }

  get reviewQueueSize(): number {
    const v = this.cfg.get<number>('review.size', 200);
    return Number.isInteger(v) && v > 0 ? Math.min(v, 5000) : 200;
  }

  /** The Review view lists labels whose margin (top minus next probability) is at most this. */
  get reviewMaxMargin(): number {
    const v = this.cfg.get<number>('review.maxMargin', 0.5);
    return Number.isFinite(v) ? Math.min(1, Math.max(0, v)) : 0.5;
  }

  /** Batch outputs the Review view reads (a workspace glob). */
  get reviewBatchGlob(): string {
    return this.cfg.get<string>('review.batchOutputs', '**/*.batch.jsonl').trim() || '**/*.batch.jsonl';
  }

  /** What Import Labels does with an imported label that agrees with the model's (core/import_compare.ts). */
  get importAgreeingLabels(): AgreeingLabels {
    const v = this.cfg.get<string>('import.agreeingLabels', 'reviewed');
    return (AGREEING_LABELS as readonly string[]).includes(v) ? (v as AgreeingLabels) : 'reviewed';
  }

  // --- learning from corrections: docs/ADAPT.md ---

  /** Whether corrected and accepted words relabel the same words elsewhere at once (the memory). */
  get learningMemory(): boolean {
    return this.cfg.get<boolean>('learning.memory', true);
  }

  /** Least cosine similarity between a word's features and a remembered example's for a match. */
  get learningMemoryThreshold(): number {
    const v = this.cfg.get<number>('learning.memoryThreshold', DEFAULT_MEMORY_THRESHOLD);
    return Number.isFinite(v) ? Math.min(1, Math.max(0.5, v)) : DEFAULT_MEMORY_THRESHOLD;
  }

  /** Learn from Corrections runs by itself after this many new corrections (0: never). */
  get learningAutoEvery(): number {
    const v = this.cfg.get<number>('learning.autoEvery', 50);
    return Number.isInteger(v) && v >= 0 ? v : 50;
  }

  /** The adapted head's file: absolute, or relative to the first workspace folder. */
  get learningHeadFile(): string {
    return this.cfg.get<string>('learning.headFile', '.bert-lstm/adapted_head.json').trim() || '.bert-lstm/adapted_head.json';
  }

  affects(e: vscode.ConfigurationChangeEvent, key: string): boolean {
    return e.affectsConfiguration(`${SECTION}.${key}`);
  }
}
