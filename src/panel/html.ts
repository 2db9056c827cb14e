// The panel's page: its Content-Security-Policy allows nothing but the extension's own style
// sheet, fonts and images and the one script carrying this page's nonce; the page is static
// (every value it shows comes later in typed messages, protocol.ts).
import * as vscode from 'vscode';

export function panelHtml(webview: vscode.Webview, root: vscode.Uri, nonce: string): string {
  const script = webview.asWebviewUri(vscode.Uri.joinPath(root, 'dist', 'webview', 'main.js'));
  const css = webview.asWebviewUri(vscode.Uri.joinPath(root, 'media', 'panel.css'));
  const csp = [
    "default-src 'none'",
    `style-src ${webview.cspSource}`,
    `font-src ${webview.cspSource}`,
    `img-src ${webview.cspSource}`,
    `script-src 'nonce-${nonce}'`,
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${css}">
<title>BERT+LSTM Analysis</title></head>
<body>
<main id="panel-root">
<header><div id="status" role="status">Label a document to see its scores.</div>
<vscode-button id="refresh" secondary>Relabel</vscode-button></header>
<div id="model-notes" class="model-notes" role="note" hidden></div>
<section id="scores-section" aria-label="Classification scores">
<h2 id="document-title">Document</h2><div id="document" class="bars" role="list" aria-labelledby="document-title"></div>
<h2 id="segment-title">Segment at cursor</h2><div id="segment" class="bars" role="list" aria-labelledby="segment-title"></div>
<h2 id="selection-title">Selection</h2><div id="selection" class="bars" role="list" aria-labelledby="selection-title"></div>
</section>
<section id="attention-section" aria-label="Attention">
<h2>Attention (segment at cursor)</h2>
<div id="attention-note" class="note">Place the cursor in labeled text.</div>
<div class="controls">
<label class="control-label" for="focus">Attention of</label>
<vscode-single-select id="focus" aria-label="Attention of token ([CLS] by default)"></vscode-single-select>
<vscode-single-select id="direction" aria-label="Direction"></vscode-single-select>
<vscode-single-select id="layer" aria-label="Layer"></vscode-single-select>
<vscode-single-select id="head" aria-label="Head"></vscode-single-select>
<vscode-checkbox id="rollout" label="Rollout"></vscode-checkbox>
<vscode-checkbox id="hide-special" label="Hide [CLS]/[SEP]"></vscode-checkbox>
</div>
<div class="legend"><span>0</span><span class="legend-bar"></span><span id="legend-max">1</span></div>
<div id="token-detail" class="token-detail" aria-live="polite">Hover or focus a token to see its exact weight and label.</div>
<div id="attention-text" class="attention-text" role="group" aria-label="Tokens shaded by attention weight; Enter or Space selects the word in the editor"></div>
<div id="attention-grid" class="attention-grid" role="group" aria-label="Layers by heads: pick one"></div>
</section>
</main>
<script nonce="${nonce}" src="${script}"></script>
</body></html>`;
}
