// Reading one setting from a VS Code settings file (JSON with comments and trailing commas).
// Used only to tell the user that an untrusted workspace sets the model path: VS Code hands a
// restricted setting's workspace value to no extension while the workspace is untrusted (not even
// through `inspect`), so the extension reads the file to say why that path is not loaded. The
// value read this way is never used to load anything.

/** A scan over JSON text that copies strings whole and lets `other` handle everything else. */
function scan(text: string, other: (text: string, i: number, out: string[]) => number): string {
  const out: string[] = [];
  let i = 0;
  while (i < text.length) {
    if (text[i] === '"') {
      // a string, escapes included, up to its closing quote (or the end of an unclosed one)
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      out.push(text.slice(i, j + 1));
      i = j + 1;
    } else {
      i = other(text, i, out);
    }
  }
  return out.join('');
}

/** The text with comments removed and trailing commas dropped; strings are left as they are. */
export function stripJsonc(text: string): string {
  const noComments = scan(text, (t, i, out) => {
    if (t[i] === '/' && t[i + 1] === '/') {
      const end = t.indexOf('\n', i);
      return end < 0 ? t.length : end;
    }
    if (t[i] === '/' && t[i + 1] === '*') {
      const end = t.indexOf('*/', i + 2);
      out.push(' ');
      return end < 0 ? t.length : end + 2;
    }
    out.push(t[i]);
    return i + 1;
  });
  return scan(noComments, (t, i, out) => {
    if (t[i] === ',') {
      let j = i + 1;
      while (j < t.length && /\s/.test(t[j])) j++;
      if (t[j] === '}' || t[j] === ']') return i + 1; // a trailing comma
    }
    out.push(t[i]);
    return i + 1;
  });
}

/**
 * The value of setting `key` (e.g. `bertLstm.modelPath`) in a settings file's text, in the
 * dotted form VS Code writes or nested (`{"bertLstm": {"modelPath": ...}}`); undefined when the
 * file does not set it or cannot be parsed. Never throws.
 */
export function settingInJsonc(text: string, key: string): unknown {
  let v: unknown;
  try {
    v = JSON.parse(stripJsonc(text));
  } catch {
    return undefined;
  }
  return settingIn(v, key);
}

/** The value of a dotted setting in a parsed settings object (dotted key or nested objects). */
export function settingIn(settings: unknown, key: string): unknown {
  if (typeof settings !== 'object' || settings === null || Array.isArray(settings)) return undefined;
  const o = settings as Record<string, unknown>;
  if (Object.prototype.hasOwnProperty.call(o, key)) return o[key];
  const dot = key.indexOf('.');
  if (dot < 0) return undefined;
  const head = key.slice(0, dot);
  return Object.prototype.hasOwnProperty.call(o, head) ? settingIn(o[head], key.slice(dot + 1)) : undefined;
}
