// Display settings in a real extension host: each display style, per-label colors, hidden
// labels and the confidence threshold change what decorationsFor() reports, without a reload;
// decoration types are created once and reused.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { api, closeAllEditors, drawnLabels, EXTENSION_ID, openText, setSetting, settled, waitFor, withSettings } from './helpers';

const TEXT = 'The cat sat on the mat. Dogs bark loudly at night, and the old farmer sleeps.';

suite('Display styles and colors', () => {
  teardown(closeAllEditors);

  test('each display style draws every label; types are created once per (label, bucket, style) and reused', async () => {
    const a = await api();
    let editor = await openText(TEXT);
    const labels = await settled(a, editor.document);
    const expected = labels.words.map((w) => `${w.text}/${w.label}`);
    assert.deepEqual(drawnLabels(a, editor), expected);
    try {
      for (const style of ['background', 'inline', 'underline'] as const) {
        await setSetting('displayStyle', style === 'underline' ? undefined : style);
        const decos = await waitFor(`decorations in the ${style} style`, () => {
          const d = a.decorationsFor(editor);
          return d.length > 0 && d.every((x) => x.style === style) ? d : undefined;
        });
        assert.deepEqual(drawnLabels(a, editor), expected, `${style}: the same words and labels are drawn`);
        for (const d of decos) {
          // PUNCT is in bertLstm.inline.hiddenLabels by default: underlined, not tagged
          if (style === 'inline' && d.label === 'PUNCT') assert.equal(d.contentText, undefined, 'PUNCT has no inline tag');
          else if (style === 'inline')
            assert.equal(d.contentText, d.lowConfidence ? `${d.label}?` : d.label, 'the inline tag is the label');
          else assert.equal(d.contentText, undefined);
        }
        // a style change disposed the other styles' types: one type per (label, bucket) drawn
        const types = a.decorationTypes();
        assert.equal(types.alive, decos.length, `${style}: one decoration type per drawn (label, bucket)`);
        // the same labels in a second document, and a relabel, reuse the types
        const other = await openText(TEXT);
        await settled(a, other.document);
        // showing the document again gives a new editor object
        editor = await vscode.window.showTextDocument(editor.document);
        await vscode.commands.executeCommand('bertLstm.labelDocument');
        assert.deepEqual(a.decorationTypes(), types, `${style}: no new decoration types for the same labels`);
      }
    } finally {
      await setSetting('displayStyle', undefined);
    }
  });

  test('a style change disposes the old types', async () => {
    const a = await api();
    const editor = await openText(TEXT);
    await settled(a, editor.document);
    await withSettings({ displayStyle: 'background' }, async () => {
      await waitFor('background style', () => a.decorationsFor(editor).every((d) => d.style === 'background') || undefined);
      const groups = a.decorationsFor(editor).length;
      assert.equal(a.decorationTypes().alive, groups, 'only the background types are alive');
    });
    await waitFor('underline style again', () => a.decorationsFor(editor).every((d) => d.style === 'underline') || undefined);
    assert.equal(a.decorationTypes().alive, a.decorationsFor(editor).length, 'the background types were disposed');
  });

  test('every label drawn has a contributed underline and background theme color', async () => {
    const a = await api();
    const editor = await openText(TEXT);
    await settled(a, editor.document);
    const contributed = new Set<string>(
      (vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON.contributes.colors as { id: string }[]).map((c) => c.id),
    );
    for (const d of a.decorationsFor(editor)) {
      assert.ok(contributed.has(d.colorId), `${d.colorId} is contributed`);
      assert.ok(
        contributed.has(d.colorId.replace('.label.', '.labelBackground.').replace('.palette.', '.paletteBackground.')),
        `${d.colorId} has a background color`,
      );
    }
  });

  test('a label color from the settings replaces the theme color at once; invalid colors are ignored', async () => {
    const a = await api();
    const editor = await openText(TEXT);
    const labels = await settled(a, editor.document);
    const [first, second] = [...new Set(labels.words.map((w) => w.label))];
    await withSettings({ labelColors: { [first]: '#123456', [second]: 'not a color' } }, async () => {
      const decos = await waitFor('the custom color', () => {
        const d = a.decorationsFor(editor);
        return d.some((x) => x.customColor === '#123456') ? d : undefined;
      });
      for (const d of decos) {
        if (d.label === first) assert.equal(d.customColor, '#123456');
        else assert.equal(d.customColor, undefined, `${d.label} keeps its theme color`);
      }
      assert.deepEqual(
        drawnLabels(a, editor),
        labels.words.map((w) => `${w.text}/${w.label}`),
      );
    });
    await waitFor('theme colors again', () => a.decorationsFor(editor).every((d) => d.customColor === undefined) || undefined);
  });

  test('hidden labels are not drawn; the threshold decides which labels are drawn as uncertain', async () => {
    const a = await api();
    const editor = await openText(TEXT);
    const labels = await settled(a, editor.document);
    await withSettings({ hiddenLabels: ['O', 'DET', 'PUNCT'] }, async () => {
      const drawn = await waitFor('hidden labels gone', () => {
        const d = drawnLabels(a, editor);
        return d.length < labels.words.length ? d : undefined;
      });
      assert.deepEqual(
        drawn,
        labels.words.filter((w) => !['DET', 'PUNCT'].includes(w.label)).map((w) => `${w.text}/${w.label}`),
      );
    });
    await waitFor('all labels back', () => drawnLabels(a, editor).length === labels.words.length || undefined);

    const scores = labels.words.map((w) => w.score).sort((x, y) => x - y);
    const threshold = (scores[2] + scores[3]) / 2; // the 3 least confident words are below it
    assert.ok(scores[2] < scores[3], 'the scores differ');
    await withSettings({ confidenceThreshold: threshold }, async () => {
      const expectedLow = labels.words
        .filter((w) => w.score < threshold)
        .map((w) => w.start)
        .join(',');
      const lowDrawn = (): string =>
        a
          .decorationsFor(editor)
          .filter((d) => d.lowConfidence)
          .flatMap((d) => d.ranges.map((r) => editor.document.offsetAt(r.start)))
          .sort((x, y) => x - y)
          .join(',');
      await waitFor(`uncertain labels at ${expectedLow}`, () => lowDrawn() === expectedLow || undefined);
      const low = lowDrawn().split(',');
      assert.equal(low.length, 3);
    });
    await withSettings({ confidenceThreshold: 0 }, async () => {
      await waitFor('no uncertain labels', () => a.decorationsFor(editor).every((d) => !d.lowConfidence) || undefined);
    });
  });
});
