// Changing a setting as a user does: Preferences: Open User Settings (the Settings editor), the
// setting found by its id in the search box, its value chosen in its control, the editor
// closed. The workbench writes the value through its configuration service, which tells the
// extension host at once (no file watcher involved, unlike writing settings.json behind the
// workbench's back). The Settings editor writes a choice a moment after it is made and drops it
// when closed before then, so the editor is closed only once the choice is written: the user
// settings file holds the value (or no longer holds the setting, for its default, which the
// editor writes by removing it) and the row is marked modified or not to match. What the change
// is for (e.g. the editor drawn in another style) is for the caller to wait on.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { extensionManifest, runCommand, waitFor } from './codeserver.mjs';

/** A setting's row in the open Settings editor (the element that carries its key). */
function settingRow(page, key) {
  return page.locator(`.settings-editor [data-key="${key}"]`);
}

/** The default of one of this extension's settings, from its manifest. */
function contributedDefault(key) {
  const configs = [extensionManifest().contributes?.configuration ?? []].flat();
  for (const c of configs) if (c.properties && key in c.properties) return c.properties[key].default;
  throw new Error(`${key} is not a setting of this extension: pass its default ({ defaultValue })`);
}

/**
 * Sets an enum setting (a drop-down in the Settings editor) in the user settings to `value`,
 * and closes the Settings editor once the value is written. `e2e`: the browser test's { page,
 * server } (the fixture's). Fails with a message naming the setting and what was shown when the
 * setting is not found or `value` is not one of its choices.
 */
export async function chooseSetting(e2e, key, value, { defaultValue = contributedDefault(key) } = {}) {
  const { page } = e2e;
  const settingsFile = path.join(e2e.server.userDataDir, 'User', 'settings.json');
  // what the workbench wrote (unparsable while it writes: a check that throws counts as not yet)
  const written = () => JSON.parse(readFileSync(settingsFile, 'utf8'))[key];
  await runCommand(page, 'Preferences: Open User Settings');
  await waitFor('ui', 'the Settings editor open with its search box focused', () =>
    page.evaluate(() => !!document.activeElement?.closest('.settings-editor .settings-header')),
  );
  // the search box may keep an earlier query: replaced
  await page.keyboard.press('Control+A');
  await page.keyboard.type(`@id:${key}`);
  const row = settingRow(page, key);
  const select = row.locator('select');
  await waitFor('ui', `the Settings editor showing the setting ${key} with a drop-down`, async () => (await select.count()) === 1, {
    detail: async () =>
      `rows: ${JSON.stringify(await page.locator('.settings-editor [data-key]').evaluateAll((rs) => rs.map((r) => r.getAttribute('data-key'))))}`,
  });
  const choices = await select.locator('option').allTextContents();
  if (!choices.includes(value)) throw new Error(`the setting ${key} has no choice "${value}" (its choices: ${choices.join(', ')})`);
  await select.selectOption({ label: value });
  const modified = value !== defaultValue;
  await waitFor(
    'ui',
    `${key} set to "${value}" in the Settings editor and written to the user settings (${modified ? 'marked modified' : 'its default: removed, not marked modified'})`,
    async () =>
      (await select.inputValue()) === value &&
      written() === (modified ? value : undefined) &&
      (await row.evaluate((r) => r.classList.contains('is-configured'))) === modified,
    {
      detail: async () =>
        `shown: "${await select.inputValue()}", row classes: ${await row.getAttribute('class')}, settings.json: ${readFileSync(settingsFile, 'utf8')}`,
    },
  );
  await runCommand(page, 'View: Close Editor');
  // the workbench keeps a closed editor's pane in the page, hidden
  await waitFor('ui', 'the Settings editor closed', () =>
    page.evaluate(() => [...document.querySelectorAll('.settings-editor')].every((e) => e.getClientRects().length === 0)),
  );
}
