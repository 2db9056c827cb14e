// The languages and grammars that VS Code extensions contribute, read from their package.json
// (`contributes.languages`, `contributes.grammars`): the editor gets the manifests from
// `vscode.extensions.all`, the CLI from an extensions folder (`--grammars DIR`, e.g. VS Code's
// own `resources/app/extensions`). So any language an installed extension knows has its
// comments and strings found, with no list of languages here.
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { GrammarSource } from './prose_textmate';

export interface LanguageSource {
  readonly id: string;
  /** File name endings, with their dot (`.py`). */
  readonly extensions: readonly string[];
  readonly filenames: readonly string[];
}

export interface Contributions {
  readonly grammars: GrammarSource[];
  readonly languages: LanguageSource[];
}

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

/** The grammars and languages of one extension's manifest; grammar paths made absolute. */
export function contributionsOf(manifest: unknown, extensionPath: string): Contributions {
  const c = (manifest as { contributes?: { grammars?: unknown; languages?: unknown } } | undefined)?.contributes;
  const grammars: GrammarSource[] = [];
  for (const g of Array.isArray(c?.grammars) ? (c.grammars as unknown[]) : []) {
    const x = g as { scopeName?: unknown; path?: unknown; language?: unknown; injectTo?: unknown };
    if (typeof x.scopeName !== 'string' || typeof x.path !== 'string') continue;
    grammars.push({
      scopeName: x.scopeName,
      path: path.resolve(extensionPath, x.path),
      ...(typeof x.language === 'string' ? { language: x.language } : {}),
      ...(Array.isArray(x.injectTo) ? { injectTo: strings(x.injectTo) } : {}),
    });
  }
  const languages: LanguageSource[] = [];
  for (const l of Array.isArray(c?.languages) ? (c.languages as unknown[]) : []) {
    const x = l as { id?: unknown; extensions?: unknown; filenames?: unknown };
    if (typeof x.id === 'string') languages.push({ id: x.id, extensions: strings(x.extensions), filenames: strings(x.filenames) });
  }
  return { grammars, languages };
}

/** The contributions of every extension in a folder (one extension per subfolder); unreadable ones are left out. */
export function contributionsIn(dir: string): Contributions {
  const out: Contributions = { grammars: [], languages: [] };
  let entries: string[];
  try {
    entries = readdirSync(dir).sort();
  } catch {
    return out;
  }
  for (const name of entries) {
    const ext = path.join(dir, name);
    let manifest: unknown;
    try {
      manifest = JSON.parse(readFileSync(path.join(ext, 'package.json'), 'utf8'));
    } catch {
      continue;
    }
    const c = contributionsOf(manifest, ext);
    out.grammars.push(...c.grammars);
    out.languages.push(...c.languages);
  }
  return out;
}

/** The language of a file by its name (exact file names first, then the longest matching ending). */
export function languageOfFile(fileName: string, languages: readonly LanguageSource[]): string | undefined {
  const base = path.basename(fileName);
  const lower = base.toLowerCase();
  for (const l of languages) if (l.filenames.includes(base)) return l.id;
  let best: { id: string; length: number } | undefined;
  for (const l of languages) {
    for (const e of l.extensions) {
      if (lower.endsWith(e.toLowerCase()) && (!best || e.length > best.length)) best = { id: l.id, length: e.length };
    }
  }
  return best?.id;
}

/** The scope name of a language's own grammar, if an extension contributes one. */
export function scopeOfLanguage(language: string, grammars: readonly GrammarSource[]): string | undefined {
  return grammars.find((g) => g.language === language)?.scopeName;
}
