// Changing a setting as a user does: Preferences: Open User Settings (the Settings editor), the
// setting found by its id in the search box, its value chosen in its control, the editor
// closed. The workbench writes the value through its configuration service, which tells the
// extension host at once (no file watcher involved, unlike writing settings.json behind the
// workbench's back). What the change is for (e.g. the editor drawn in another style) is for
// the caller to wait on; this waits until the Settings editor shows the value chosen.
import { runCommand, waitFor } from './codeserver.mjs';

/** The row of a setting in the open Settings editor, e.g. `bertLstm.displayStyle`. */
function settingRow(page, key) {
  return page.locator(`.settings-editor .setting-item[data-key="${key}"]`);
}

/**
 * Sets an enum setting (a drop-down in the Settings editor) in the user settings to `value`,
 * and closes the Settings editor. Fails with a message naming the setting and what was shown
 * when the setting is not found or the value is not one of its choices.
 */
export async function chooseSetting(page, key, value) {
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
      `rows: ${JSON.stringify(await page.locator('.settings-editor .setting-item').evaluateAll((rs) => rs.map((r) => r.getAttribute('data-key'))))}`,
  });
  const choices = await select.locator('option').allTextContents();
  if (!choices.includes(value)) throw new Error(`the setting ${key} has no choice "${value}" (its choices: ${choices.join(', ')})`);
  await select.selectOption({ label: value });
  await waitFor('ui', `the Settings editor showing ${key} set to "${value}"`, async () => (await select.inputValue()) === value);
  await runCommand(page, 'View: Close Editor');
  // the workbench keeps a closed editor's pane in the page, hidden
  await waitFor('ui', 'the Settings editor closed', () =>
    page.evaluate(() => [...document.querySelectorAll('.settings-editor')].every((e) => e.getClientRects().length === 0)),
  );
}
