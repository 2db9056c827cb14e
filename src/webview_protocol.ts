// Messages between the analysis panel (webview/) and the extension host. Both sides validate
// what they receive: a webview message is untrusted input.

export interface ScoreRow {
  readonly label: string;
  readonly score: number;
}

/** Host -> webview. */
export type HostMessage =
  | {
      readonly type: 'scores';
      readonly model: string;
      readonly file: string;
      readonly document: readonly ScoreRow[];
      readonly segment: readonly ScoreRow[];
      readonly selection: readonly ScoreRow[];
    }
  | { readonly type: 'status'; readonly text: string };

/** Webview -> host. */
export type WebviewMessage = { readonly type: 'ready' } | { readonly type: 'refresh' };

function isScoreRows(v: unknown): v is ScoreRow[] {
  return Array.isArray(v) && v.length <= 1000 && v.every((r) =>
    typeof r === 'object' && r !== null && typeof (r as ScoreRow).label === 'string' &&
    typeof (r as ScoreRow).score === 'number' && Number.isFinite((r as ScoreRow).score));
}

export function parseHostMessage(v: unknown): HostMessage | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const m = v as Record<string, unknown>;
  if (m.type === 'status' && typeof m.text === 'string') return { type: 'status', text: m.text };
  if (m.type === 'scores' && typeof m.model === 'string' && typeof m.file === 'string' &&
      isScoreRows(m.document) && isScoreRows(m.segment) && isScoreRows(m.selection)) {
    return { type: 'scores', model: m.model, file: m.file, document: m.document, segment: m.segment, selection: m.selection };
  }
  return undefined;
}

export function parseWebviewMessage(v: unknown): WebviewMessage | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const t = (v as Record<string, unknown>).type;
  return t === 'ready' || t === 'refresh' ? { type: t } : undefined;
}
