// The panel's message validators with malformed and hostile messages: parseWebviewMessage (the
// host's guard against the webview, untrusted) and parseHostMessage (the webview's guard). They
// never throw, accept only well-formed messages, and hand back only the fields they checked.
// Random values (fast-check, thousands of cases) and hand-made hostile ones; the panel's HTML
// is checked for a strict Content-Security-Policy and no HTML sinks.
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { MAX_OFFSET, parseHostMessage, parseWebviewMessage } from '../../src/panel/protocol';
import { REPO } from './fixtures';

const RUNS = Number(process.env.FUZZ_RUNS ?? 2000);

const HOSTILE_STRINGS = [
  '<script>alert(1)</script>',
  '<img src=x onerror=alert(1)>',
  'javascript:alert(1)',
  '"; DROP TABLE x; --',
  '\u202Eevil',
  '\0',
  '\uD800',
  'A'.repeat(100_000),
  '{{constructor.constructor("alert(1)")()}}',
];
const BAD_NUMBERS: unknown[] = [NaN, Infinity, -Infinity, -1, 0.5, '3', null, undefined, true, {}, [], 1n, { valueOf: () => 3 }];

describe('parseWebviewMessage (webview -> host, untrusted)', () => {
  it('accepts the four message kinds and returns only their own fields', () => {
    assert.deepEqual(parseWebviewMessage({ type: 'ready', extra: '<script>' }), { type: 'ready' });
    assert.deepEqual(parseWebviewMessage({ type: 'refresh', command: 'workbench.action.terminal.new' }), { type: 'refresh' });
    assert.deepEqual(parseWebviewMessage({ type: 'reveal', start: 3, end: 7, uri: 'file:///etc/passwd' }), {
      type: 'reveal',
      start: 3,
      end: 7,
    });
    assert.deepEqual(parseWebviewMessage({ type: 'reveal', start: 0, end: 0 }), { type: 'reveal', start: 0, end: 0 });
    assert.deepEqual(parseWebviewMessage({ type: 'focus', windowStart: 10, index: 3, uri: 'x' }), {
      type: 'focus',
      windowStart: 10,
      index: 3,
    });
    for (const bad of [
      { windowStart: -1, index: 0 },
      { windowStart: 0, index: -1 },
      { windowStart: 0, index: 1.5 },
      { windowStart: 0, index: 8192 },
      { index: 2 },
    ]) {
      assert.equal(parseWebviewMessage({ type: 'focus', ...bad }), undefined, JSON.stringify(bad));
    }
  });

  it('refuses non-objects, unknown types and type look-alikes', () => {
    for (const v of [undefined, null, 0, 1, '', 'ready', true, [], ['ready'], () => 'ready', Symbol('ready')]) {
      assert.equal(parseWebviewMessage(v), undefined, String(v));
    }
    for (const type of [
      'READY',
      ' ready',
      'ready ',
      'reveal\0',
      'execute',
      'command',
      '__proto__',
      'constructor',
      1,
      null,
      ['ready'],
      { toString: () => 'ready' },
    ]) {
      assert.equal(parseWebviewMessage({ type }), undefined, JSON.stringify(type));
    }
  });

  it('refuses a reveal with bad offsets: not integers, negative, end before start, missing', () => {
    for (const bad of BAD_NUMBERS) {
      assert.equal(parseWebviewMessage({ type: 'reveal', start: bad, end: 10 }), undefined, `start ${String(bad)}`);
      assert.equal(parseWebviewMessage({ type: 'reveal', start: 0, end: bad }), undefined, `end ${String(bad)}`);
    }
    assert.equal(parseWebviewMessage({ type: 'reveal', start: 9, end: 3 }), undefined);
    assert.equal(parseWebviewMessage({ type: 'reveal', start: 1 }), undefined);
    assert.equal(parseWebviewMessage({ type: 'reveal' }), undefined);
  });

  it('a prototype-pollution attempt neither passes nor pollutes', () => {
    const parsed = JSON.parse('{"__proto__": {"type": "ready", "polluted": true}, "constructor": {"prototype": {"polluted": true}}}');
    assert.equal(parseWebviewMessage(parsed), undefined);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.equal(parseWebviewMessage(JSON.parse('{"type": "reveal", "start": 1, "end": 2, "__proto__": {"start": -5}}'))?.type, 'reveal');
  });

  it('random values never throw, and what passes is exactly a well-formed message (fast-check)', () => {
    const near = fc.record(
      {
        type: fc.oneof(fc.constantFrom('ready', 'refresh', 'reveal', 'scores', 'attention'), fc.string()),
        start: fc.oneof(fc.integer({ min: -5, max: 1e6 }), fc.double(), fc.string(), fc.constant(undefined)),
        end: fc.oneof(fc.integer({ min: -5, max: 1e6 }), fc.double(), fc.string(), fc.constant(undefined)),
        extra: fc.anything(),
      },
      { requiredKeys: ['type'] },
    );
    fc.assert(
      fc.property(fc.oneof(fc.anything(), near), (v) => {
        const m = parseWebviewMessage(v);
        if (!m) return;
        if (m.type === 'ready' || m.type === 'refresh') assert.deepEqual(Object.keys(m), ['type']);
        else {
          assert.equal(m.type, 'reveal');
          assert.deepEqual(Object.keys(m).sort(), ['end', 'start', 'type']);
          assert.ok(Number.isInteger(m.start) && Number.isInteger(m.end) && m.start >= 0 && m.end >= m.start);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('reveal offsets are bounded: past 2^31 - 1 (longer than any document can be) they are refused', () => {
    assert.equal(MAX_OFFSET, 2 ** 31 - 1);
    assert.deepEqual(parseWebviewMessage({ type: 'reveal', start: 0, end: MAX_OFFSET }), { type: 'reveal', start: 0, end: MAX_OFFSET });
    assert.deepEqual(parseWebviewMessage({ type: 'reveal', start: MAX_OFFSET, end: MAX_OFFSET }), {
      type: 'reveal',
      start: MAX_OFFSET,
      end: MAX_OFFSET,
    });
    for (const big of [MAX_OFFSET + 1, 2 ** 32, 2 ** 53 - 1, Number.MAX_SAFE_INTEGER, 2 ** 60, 1e21, Number.MAX_VALUE, 2 ** 1024]) {
      assert.equal(parseWebviewMessage({ type: 'reveal', start: 0, end: big }), undefined, `end ${big}`);
      assert.equal(parseWebviewMessage({ type: 'reveal', start: big, end: big }), undefined, `start ${big}`);
    }
    // random integers over the whole safe range: accepted exactly when both are within the bound
    fc.assert(
      fc.property(fc.maxSafeNat(), fc.maxSafeNat(), (a, b) => {
        const [start, end] = a <= b ? [a, b] : [b, a];
        const m = parseWebviewMessage({ type: 'reveal', start, end });
        assert.equal(m !== undefined, end <= MAX_OFFSET, `${start}..${end}`);
      }),
      { numRuns: RUNS },
    );
  });
});

function attention(n: number, layers = 2, heads = 2): Record<string, unknown> {
  const grid = (): number[][][] =>
    Array.from({ length: layers }, () => Array.from({ length: heads }, () => Array.from({ length: n }, () => 1 / n)));
  return {
    type: 'attention',
    doc: { uri: 'file:///a.txt', version: 1 },
    file: 'a.txt',
    windowStart: 0,
    focus: 0,
    layers,
    heads,
    tokens: Array.from({ length: n }, (_, i) => ({
      text: i === 0 ? '[CLS]' : `t${i}`,
      start: i === 0 ? -1 : i,
      end: i === 0 ? -1 : i + 1,
      special: i === 0,
      word: i === 0 ? -1 : i - 1,
    })),
    from: grid(),
    to: grid(),
    rolloutFrom: Array(n).fill(1 / n),
    rolloutTo: Array(n).fill(1 / n),
  };
}

describe('parseHostMessage (host -> webview)', () => {
  const scores = {
    type: 'scores',
    doc: { uri: 'file:///f', version: 2 },
    model: 'm',
    file: 'f',
    document: [{ label: 'press', score: 0.9 }],
    segment: [],
    selection: [],
    selectionLength: 0,
    sequenceLabels: ['press', 'fiction'],
    capabilities: { sequenceHead: true, tokenHead: true, attentions: true },
  };

  it('accepts well-formed scores, status, noAttention and attention messages', () => {
    assert.deepEqual(parseHostMessage({ ...scores, evil: 1 }), scores);
    assert.deepEqual(parseHostMessage({ type: 'status', text: 'ok', html: '<b>' }), { type: 'status', text: 'ok' });
    const doc = { uri: 'untitled:Untitled-1', version: 4 };
    assert.deepEqual(parseHostMessage({ type: 'noAttention', doc, reason: 'no head' }), { type: 'noAttention', doc, reason: 'no head' });
    assert.equal(parseHostMessage({ type: 'noAttention', reason: 'no head' }), undefined, 'no document stamp');
    assert.equal(parseHostMessage(attention(5))?.type, 'attention');
  });

  it('attention is rebuilt field by field: extra fields at every level are dropped, the arrays are copies', () => {
    const good = attention(3);
    const hostile = {
      ...good,
      html: '<script>alert(1)</script>',
      command: 'workbench.action.terminal.new',
      tokens: (good.tokens as Array<Record<string, unknown>>).map((t) => ({ ...t, onclick: 'alert(1)', href: 'javascript:alert(1)' })),
    };
    const m = parseHostMessage(hostile);
    assert.ok(m && m.type === 'attention');
    assert.deepEqual(
      Object.keys(m).sort(),
      ['doc', 'file', 'focus', 'from', 'heads', 'layers', 'rolloutFrom', 'rolloutTo', 'to', 'tokens', 'type', 'windowStart'].sort(),
    );
    for (const t of m.tokens) assert.deepEqual(Object.keys(t).sort(), ['end', 'special', 'start', 'text', 'word']);
    assert.notEqual(m, hostile);
    assert.notEqual(m.tokens, hostile.tokens);
    assert.notEqual(m.from, good.from);
    assert.notEqual(m.rolloutTo, good.rolloutTo);
    assert.notEqual(m.doc, good.doc);
    // what was checked is kept exactly
    const { html: _h, command: _c, ...rest } = hostile;
    void _h;
    void _c;
    assert.deepEqual(m, { ...rest, tokens: good.tokens });
    // a token's label is kept when it is a string
    const labeled = { ...good, tokens: (good.tokens as Array<Record<string, unknown>>).map((t, i) => (i ? { ...t, label: 'NOUN' } : t)) };
    const ml = parseHostMessage(labeled);
    assert.ok(ml && ml.type === 'attention');
    assert.deepEqual(
      ml.tokens.map((t) => t.label),
      [undefined, 'NOUN', 'NOUN'],
    );
    // the label in force: its source and the model's label are kept when well-formed
    const corrected = {
      ...good,
      tokens: (good.tokens as Array<Record<string, unknown>>).map((t, i) =>
        i === 1 ? { ...t, label: 'VERB', source: 'corrected', modelLabel: 'NOUN' } : t,
      ),
    };
    const mc = parseHostMessage(corrected);
    assert.ok(mc && mc.type === 'attention');
    assert.deepEqual([mc.tokens[1].label, mc.tokens[1].source, mc.tokens[1].modelLabel], ['VERB', 'corrected', 'NOUN']);
    for (const source of ['model ', 'evil', 1, null]) {
      const bad = { ...good, tokens: (good.tokens as Array<Record<string, unknown>>).map((t, i) => (i === 1 ? { ...t, source } : t)) };
      assert.equal(parseHostMessage(bad), undefined, `source ${String(source)}`);
    }
  });

  it('score rows and capabilities are rebuilt too: extra fields are dropped', () => {
    const m = parseHostMessage({
      ...scores,
      document: [{ label: 'press', score: 0.9, html: '<b>x</b>' }],
      capabilities: { sequenceHead: true, tokenHead: true, attentions: true, extra: 1 },
    });
    assert.ok(m && m.type === 'scores');
    assert.deepEqual(m.document, [{ label: 'press', score: 0.9 }]);
    assert.deepEqual(m.capabilities, { sequenceHead: true, tokenHead: true, attentions: true });
  });

  it('attention token offsets and score selection lengths past 2^31 - 1 are refused', () => {
    const good = attention(3);
    const tokens = good.tokens as Array<Record<string, unknown>>;
    for (const field of ['start', 'end', 'word']) {
      const big = { ...good, tokens: tokens.map((t, i) => (i === 1 ? { ...t, [field]: MAX_OFFSET + 1 } : t)) };
      assert.equal(parseHostMessage(big), undefined, field);
      const neg = { ...good, tokens: tokens.map((t, i) => (i === 1 ? { ...t, [field]: -2 } : t)) };
      assert.equal(parseHostMessage(neg), undefined, `${field} -2`);
    }
    assert.equal(parseHostMessage({ ...scores, selectionLength: MAX_OFFSET + 1 }), undefined);
  });

  it('hostile strings pass only as text (the webview renders them as text: no HTML sinks in webview/)', () => {
    for (const s of HOSTILE_STRINGS) {
      assert.deepEqual(parseHostMessage({ type: 'status', text: s }), { type: 'status', text: s });
      assert.equal(parseHostMessage({ ...scores, document: [{ label: s, score: 0.5 }] })?.type, 'scores');
    }
    for (const file of ['webview/main.ts', 'src/panel/panel.ts', 'src/panel/html.ts']) {
      const source = readFileSync(path.join(REPO, file), 'utf8');
      assert.doesNotMatch(
        source,
        /\.innerHTML\s*=|outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function\(/,
        `${file} has an HTML or code sink`,
      );
    }
  });

  it('refuses scores with bad rows: non-finite or non-number scores, non-string labels, too many rows', () => {
    for (const score of [NaN, Infinity, '0.5', null, undefined, {}]) {
      assert.equal(parseHostMessage({ ...scores, document: [{ label: 'x', score }] }), undefined, String(score));
    }
    for (const label of [1, null, undefined, {}, ['x']]) {
      assert.equal(parseHostMessage({ ...scores, segment: [{ label, score: 0.1 }] }), undefined, String(label));
    }
    assert.equal(parseHostMessage({ ...scores, selection: 'none' }), undefined);
    assert.equal(parseHostMessage({ ...scores, document: [null] }), undefined);
    assert.equal(parseHostMessage({ ...scores, document: Array(1001).fill({ label: 'x', score: 0 }) }), undefined);
    assert.equal(parseHostMessage({ ...scores, model: 7 }), undefined);
    assert.equal(parseHostMessage({ ...scores, selectionLength: -1 }), undefined);
    assert.equal(parseHostMessage({ ...scores, sequenceLabels: [1] }), undefined);
    assert.equal(parseHostMessage({ ...scores, capabilities: { sequenceHead: 'yes' } }), undefined);
  });

  it('refuses attention whose grids do not match its layers, heads and tokens', () => {
    const good = attention(4);
    const bad = (over: Record<string, unknown>): void =>
      assert.equal(parseHostMessage({ ...good, ...over }), undefined, JSON.stringify(over).slice(0, 80));
    bad({ layers: 3 });
    bad({ heads: 0 });
    bad({ layers: 129 });
    bad({ layers: 1.5 });
    bad({ tokens: [] });
    bad({ tokens: (good.tokens as object[]).slice(1) });
    bad({ from: [[[0, 0, 0, 0]]] });
    bad({ to: 'x' });
    bad({ rolloutFrom: [0, 0, 0] });
    bad({ rolloutTo: [0, 0, NaN, 0] });
    bad({ doc: undefined });
    bad({ doc: { uri: 5, version: 1 } });
    bad({ doc: { uri: 'file:///a', version: 1.5 } });
    bad({ focus: 4 });
    bad({ focus: -1 });
    bad({ windowStart: -1 });
    bad({ tokens: [{ text: '[CLS]', start: -1, end: -1, special: 'yes', word: -1 }, ...(good.tokens as object[]).slice(1)] });
    bad({ tokens: [{ text: 5, start: -1, end: -1, special: true, word: -1 }, ...(good.tokens as object[]).slice(1)] });
    bad({ file: undefined });
  });

  it('random values never throw, and what passes has the checked shape (fast-check)', () => {
    const near = fc.record(
      {
        type: fc.constantFrom('scores', 'status', 'noAttention', 'attention', 'ready'),
        text: fc.oneof(fc.string(), fc.anything()),
        reason: fc.oneof(fc.string(), fc.anything()),
        model: fc.oneof(fc.string(), fc.anything()),
        file: fc.oneof(fc.string(), fc.anything()),
        document: fc.oneof(fc.array(fc.record({ label: fc.oneof(fc.string(), fc.integer()), score: fc.double() })), fc.anything()),
        segment: fc.array(fc.record({ label: fc.string(), score: fc.double() })),
        selection: fc.array(fc.record({ label: fc.string(), score: fc.double({ noNaN: true, noDefaultInfinity: true }) })),
      },
      { requiredKeys: ['type'] },
    );
    fc.assert(
      fc.property(fc.oneof(fc.anything(), near), (v) => {
        const m = parseHostMessage(v);
        if (!m) return;
        if (m.type === 'status') assert.equal(typeof m.text, 'string');
        else if (m.type === 'noAttention') assert.equal(typeof m.reason, 'string');
        else if (m.type === 'scores') {
          for (const rows of [m.document, m.segment, m.selection]) {
            for (const r of rows) assert.ok(typeof r.label === 'string' && Number.isFinite(r.score));
          }
        } else assert.equal(m.type, 'attention');
        const keys: Record<string, string[]> = {
          status: ['text', 'type'],
          noAttention: ['doc', 'reason', 'type'],
          scores: ['capabilities', 'doc', 'document', 'file', 'model', 'segment', 'selection', 'selectionLength', 'sequenceLabels', 'type'],
          attention: ['doc', 'file', 'focus', 'from', 'heads', 'layers', 'rolloutFrom', 'rolloutTo', 'to', 'tokens', 'type', 'windowStart'],
        };
        assert.deepEqual(Object.keys(m).sort(), keys[m.type], 'only the known fields');
      }),
      { numRuns: RUNS },
    );
  });
});

describe('the panel HTML (src/panel/html.ts, its nonce from src/panel/panel.ts)', () => {
  it('has a strict Content-Security-Policy: nothing by default, nonce-only scripts, no remote or inline content', () => {
    const source = ['src/panel/html.ts', 'src/panel/panel.ts'].map((f) => readFileSync(path.join(REPO, f), 'utf8')).join('\n');
    assert.match(source, /"default-src 'none'"/);
    assert.match(source, /script-src 'nonce-\$\{nonce\}'/);
    assert.match(source, /randomBytes\(16\)/, 'the nonce is not random');
    assert.doesNotMatch(source, /unsafe-inline|unsafe-eval|https?:\/\/(?!www\.w3\.org)/, 'unsafe CSP source or a remote URL');
    // every <script> carries the nonce
    for (const tag of source.match(/<script[^>]*>/g) ?? []) assert.match(tag, /nonce="\$\{nonce\}"/, tag);
  });
});
