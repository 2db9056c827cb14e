// Reading one setting from a VS Code settings file (JSON with comments and trailing commas), as
// the extension does to tell the user that an untrusted workspace's model path is not loaded.
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { settingIn, settingInJsonc, stripJsonc } from '../../src/core/settings_file';

const KEY = 'bertLstm.modelPath';

describe('settingInJsonc', () => {
  it('reads the dotted form VS Code writes, and the nested form', () => {
    assert.equal(settingInJsonc('{"bertLstm.modelPath": "/m/tiny"}', KEY), '/m/tiny');
    assert.equal(settingInJsonc('{"bertLstm": {"modelPath": "/m/nested"}}', KEY), '/m/nested');
    assert.equal(settingInJsonc('{"editor.fontSize": 14}', KEY), undefined);
    assert.equal(settingInJsonc('{"bertLstm": {"threads": 2}}', KEY), undefined);
  });

  it('JSON with comments and trailing commas, as settings.json allows', () => {
    const text = [
      '// workspace settings',
      '{',
      '  /* the model */ "bertLstm.modelPath": "/models/a//b/*c*/", // not a comment inside the string',
      '  "files.exclude": { "**/.git": true, },',
      '  "list": [1, 2, ],',
      '}',
    ].join('\n');
    assert.equal(settingInJsonc(text, KEY), '/models/a//b/*c*/');
    assert.deepEqual(JSON.parse(stripJsonc(text)).list, [1, 2]);
  });

  it('strings keep commas, braces, escaped quotes and comment-like text', () => {
    assert.equal(settingInJsonc('{"bertLstm.modelPath": "C:\\\\m\\\\x, }\\" // y",}', KEY), 'C:\\m\\x, }" // y');
  });

  it('a file that is not JSON, empty, or not an object sets nothing (no throw)', () => {
    for (const text of ['', '{', 'null', '[1]', '"x"', '{"bertLstm.modelPath": }', '/* open comment', '{"a": "unclosed']) {
      assert.equal(settingInJsonc(text, KEY), undefined, JSON.stringify(text));
    }
  });

  it('own keys only: nothing from the prototype', () => {
    assert.equal(settingIn({}, 'constructor'), undefined);
    assert.equal(settingIn({}, 'toString.name'), undefined);
    assert.equal(settingInJsonc('{"__proto__": {"modelPath": "/x"}}', '__proto__.modelPath'), '/x');
    assert.equal(({} as Record<string, unknown>).modelPath, undefined);
  });

  it('random JSON values written with comments and trailing commas read back the same (fast-check)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.string({ unit: fc.constantFrom('a', ' ', '/', '*', '"', ',') }), (value, comment) => {
        const safe = comment.replace(/\*+\//g, ''); // no end of the block comment inside it
        const text = `/*${safe}*/ {"bertLstm.modelPath": ${JSON.stringify(value)}, // ${safe.replace(/\n/g, '')}\n}`;
        assert.deepEqual(settingInJsonc(text, KEY), JSON.parse(JSON.stringify(value)));
      }),
      { numRuns: 1000 },
    );
  });
});
