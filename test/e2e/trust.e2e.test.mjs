// End-to-end: an untrusted workspace in real VS Code (code-server with workspace trust on, as a
// user has it) through headless Chromium. The workspace's .vscode/settings.json sets
// bertLstm.modelPath to a real bundle of its own (the plain BERT fixture, renamed). The folder is
// opened untrusted (Restricted Mode; where VS Code asks first, the test answers No). Then: the
// document is labeled live by the default model, the user is told why the workspace's model path
// was not loaded (the notification, read from the DOM), and the status bar's actions name the
// default model. After the folder is trusted (Manage Workspace Trust > Trust) the workspace's
// model is loaded and labels the document, without a reload. Screenshots go to test-artifacts/.
//
//   node --test test/e2e/trust.e2e.test.mjs        (packages the extension first)
//   E2E_VSIX=path/to.vsix node --test test/e2e/trust.e2e.test.mjs
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import {
  ARTIFACTS,
  dismissNotifications,
  notificationTexts,
  quickOpen,
  ROOT,
  runCommand,
  TIMEOUTS,
  waitFor,
  waitForLabelDecorations,
} from '../harness/codeserver.mjs';
import { e2eTest } from '../harness/fixture.mjs';

const TEXT = 'The council met on Monday and voted on the new plan.\nSome members objected to the cost.\n';
const WORKSPACE_MODEL = 'workspace-tiny-bert';

/** A real bundle of the workspace's own: the plain BERT fixture under another name. */
function workspaceBundle(dir) {
  const fixture = path.join(ROOT, 'test/fixtures/plain-bert-bundle');
  mkdirSync(dir, { recursive: true });
  for (const f of ['model.onnx', 'tokenizer.json', 'tokenizer_config.json']) copyFileSync(path.join(fixture, f), path.join(dir, f));
  const config = JSON.parse(readFileSync(path.join(fixture, 'config.json'), 'utf8'));
  config.name = WORKSPACE_MODEL;
  writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config, null, 2));
}

/** Waits until a visible notification's text includes `text`; returns all texts then. */
async function waitForNotification(page, text) {
  let texts = [];
  await waitFor(
    'ui',
    `a notification with "${text}"`,
    async () => {
      texts = await notificationTexts(page);
      return texts.some((t) => t.includes(text));
    },
    { detail: () => `notifications: ${JSON.stringify(texts)}` },
  );
  return texts;
}

/**
 * The model the extension has loaded, as its status bar item's actions show it: the item is
 * clicked, and the quick pick's "Select Model…" row carries the loaded model's name.
 */
async function loadedModelName(page) {
  await page.keyboard.press('Escape');
  await page.locator('.statusbar-item[id$="bertLstm.status"]').click();
  const row = page.locator('.quick-input-widget .monaco-list-row', { hasText: 'Select Model' });
  await row.first().waitFor({ state: 'visible', timeout: TIMEOUTS.ui });
  const text = (await row.first().textContent()) ?? '';
  await page.keyboard.press('Escape');
  await page.locator('.quick-input-widget').waitFor({ state: 'hidden', timeout: TIMEOUTS.ui });
  return /Select Model…\s*(.*)$/.exec(text.trim())?.[1]?.trim() ?? '';
}

/** Waits until the status bar's actions name `name` as the loaded model (a model load is a labeling wait). */
async function waitForModel(page, name) {
  let last = '';
  await waitFor('labeling', `the model "${name}" loaded`, async () => (last = await loadedModelName(page)) === name, {
    detail: async () => `the loaded model is "${last}"; notifications: ${JSON.stringify(await notificationTexts(page).catch(() => []))}`,
  });
}

const workspace = (base) => {
  const dir = path.join(base, 'workspace');
  const bundle = path.join(dir, 'models', 'tiny-bert');
  workspaceBundle(bundle);
  mkdirSync(path.join(dir, '.vscode'));
  writeFileSync(path.join(dir, '.vscode', 'settings.json'), JSON.stringify({ 'bertLstm.modelPath': bundle }, null, 2));
  writeFileSync(path.join(dir, 'notes.txt'), TEXT);
  return dir;
};

e2eTest(
  'untrusted workspace: its model path is not loaded and the user is told; the default model labels; trusting the folder loads the workspace model',
  {
    name: 'e2e-trust',
    workspace,
    workspaceTrust: true,
  },
  async (e2e) => {
    const { page, log } = e2e;
    const bundle = path.join(e2e.folder, 'models', 'tiny-bert');
    const defaultName = JSON.parse(readFileSync(path.join(ROOT, 'models/default/config.json'), 'utf8')).name;
    assert.notEqual(defaultName, WORKSPACE_MODEL);

    e2e.step('the folder opens untrusted, in Restricted Mode');
    // code-server opens an untrusted folder in Restricted Mode with a banner; where VS Code asks
    // first (its startup prompt), the answer is No.
    const dialog = page.locator('.monaco-dialog-box', { hasText: /trust the authors/i });
    const restricted = page.locator('.statusbar-item', { hasText: 'Restricted Mode' }).first();
    await dialog.or(restricted).first().waitFor({ state: 'visible', timeout: TIMEOUTS.workbench });
    if (await dialog.isVisible()) {
      await dialog.getByRole('button', { name: /No, I don.t trust the authors/ }).click();
      await dialog.waitFor({ state: 'hidden', timeout: TIMEOUTS.ui });
    }
    await restricted.waitFor({ state: 'visible', timeout: TIMEOUTS.ui });
    const banner = await page
      .locator('.monaco-workbench .part.banner')
      .innerText()
      .catch(() => '');
    log(`banner: ${banner.replace(/\s+/g, ' ').trim()}`);
    assert.match(banner, /Restricted Mode/);
    await dismissNotifications(page);

    e2e.step('open notes.txt: it is labeled live');
    await quickOpen(page, 'notes.txt');
    const decos = await waitForLabelDecorations(page, { min: 5 });
    log(`restricted mode: ${decos.length} label decorations`);

    e2e.step('the user is told why the workspace model path was not loaded');
    const texts = await waitForNotification(page, 'this workspace is not trusted');
    log(`notifications: ${JSON.stringify(texts)}`);
    const warning = texts.find((t) => t.includes('this workspace is not trusted'));
    assert.ok(
      warning.includes(
        `BERT+LSTM: this workspace is not trusted, so the model path in its settings (${bundle}, set in .vscode/settings.json) is not loaded. ` +
          'The default model is used instead. Trust the workspace to use its model.',
      ),
      warning,
    );
    const buttons = await page
      .locator('.notification-list-item', { hasText: 'this workspace is not trusted' })
      .first()
      .locator('.monaco-button')
      .allInnerTexts();
    assert.deepEqual(
      buttons.map((b) => b.trim()),
      ['Manage Workspace Trust'],
      'the warning offers to manage trust',
    );
    await page.screenshot({ path: path.join(ARTIFACTS, 'e2e-trust-restricted.png'), fullPage: true });

    e2e.step('the default model is the one labeling');
    assert.equal(await loadedModelName(page), defaultName);

    e2e.step('trust the folder (Manage Workspace Trust > Trust)');
    await dismissNotifications(page);
    await runCommand(page, 'Workspaces: Manage Workspace Trust');
    const trustButton = page.locator('.workspace-trust-editor .monaco-button', { hasText: /^Trust( Folder)?$/ }).first();
    await trustButton.waitFor({ state: 'visible', timeout: TIMEOUTS.ui });
    await trustButton.click();
    await page.locator('.statusbar-item', { hasText: 'Restricted Mode' }).first().waitFor({ state: 'hidden', timeout: TIMEOUTS.ui });
    await page.keyboard.press('Control+W'); // close the trust editor: notes.txt shows again
    await page.locator('.tabs-container .tab.active', { hasText: 'notes.txt' }).waitFor({ state: 'visible', timeout: TIMEOUTS.ui });

    e2e.step('the workspace model is loaded and labels the document');
    await waitForModel(page, WORKSPACE_MODEL);
    const after = await waitForLabelDecorations(page, { min: 5 });
    log(`trusted: ${after.length} label decorations by ${WORKSPACE_MODEL}`);
    const stale = (await notificationTexts(page)).filter((t) => t.includes('not trusted'));
    assert.deepEqual(stale, [], 'no trust warning once the folder is trusted');
    await page.screenshot({ path: path.join(ARTIFACTS, 'e2e-trust-trusted.png'), fullPage: true });
    log('screenshots: test-artifacts/e2e-trust-restricted.png, e2e-trust-trusted.png');
  },
);
