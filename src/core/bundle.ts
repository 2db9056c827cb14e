// Model bundles: loading and validation against the contract of docs/BUNDLE.md.
// Errors are values here: `loadBundle` returns what is wrong in words a user understands.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { describeFsError } from './fs_errors';
import { readDescriptions } from './label_info';
import { parseTokenizerFile, type TokenVocab } from './tokenizer_file';
import { checkWordPattern, isColumnWhitespace } from './word_pattern';

// Limits that no real model reaches (BERT's tokenizer.json is under 1 MB, a multilingual one
// about 2 MB; tag sets have tens to hundreds of labels): past them a bundle costs minutes and
// gigabytes per document, and its loading stalls the editor, so it is refused in words.
export const BUNDLE_LIMITS = {
  tokenizerBytes: 6 * 1024 * 1024,
  configBytes: 1024 * 1024,
  vocabTokens: 300_000,
  labels: 4096,
  labelChars: 100,
} as const;

export type LabelScheme = 'plain' | 'BIO' | 'BIOES';

export interface BundleConfig {
  readonly name: string;
  /** Token labels by id. */
  readonly labels: readonly string[];
  /** Sequence labels by id; empty when the model has no sequence head in its config. */
  readonly sequenceLabels: readonly string[];
  readonly labelScheme: LabelScheme;
  /** Most pieces in one window, [CLS] and [SEP] included. */
  readonly maxLength: number;
  /** Regular expression of a word (flags `gu`), or undefined for BERT's pre-tokenization. */
  readonly wordPattern: string | undefined;
  readonly architecture: string;
  /**
   * Whether matrix multiplications quantize their inputs dynamically (int8): their scale is
   * computed over the whole batch, so such a model's outputs depend on what else is in the batch.
   */
  readonly dynamicQuantization: boolean;
  /** What the bundle says its token labels mean (`label_descriptions`); see core/label_info.ts. */
  readonly labelDescriptions: Readonly<Record<string, string>>;
  /** What the bundle says its sequence labels mean (`sequence_label_descriptions`). */
  readonly sequenceLabelDescriptions: Readonly<Record<string, string>>;
}

export interface Bundle {
  readonly dir: string;
  readonly modelPath: string;
  /** tokenizer.json; its `model.vocab` is empty when the vocabulary is in `vocab`. */
  readonly tokenizerJson: object;
  /** The WordPiece vocabulary, parsed off the main thread (see tokenizer_file.ts). */
  readonly vocab: TokenVocab | undefined;
  readonly config: BundleConfig;
  /** The model card (README.md), if the bundle has one. */
  readonly card: string | undefined;
}

export type Result<T> = { ok: true; value: T } | { ok: false; problems: string[] };

/** Input and output names and ranks of an ONNX model, as the runtime reports them. */
export interface ModelSignature {
  readonly inputs: ReadonlyArray<{ name: string; rank: number | undefined }>;
  readonly outputs: ReadonlyArray<{ name: string; shape: ReadonlyArray<number | string> | undefined }>;
}

/** Which outputs the engine reads, by role. */
export interface OutputRoles {
  readonly tokenLogits: string | undefined;
  readonly sequenceLogits: string | undefined;
  readonly attentions: string | undefined;
  readonly hasTokenTypeIds: boolean;
}

const REQUIRED_FILES = ['model.onnx', 'tokenizer.json', 'config.json'];

// One errno-to-words table for the project (fs_errors.ts); re-exported for the bundle's callers.
export { describeFsError } from './fs_errors';

async function readText(file: string, problems: string[], maxBytes?: number): Promise<string | undefined> {
  try {
    if (maxBytes !== undefined) {
      const size = (await fs.stat(file)).size;
      if (size > maxBytes) {
        problems.push(
          `${path.basename(file)} is ${mb(size)}; a model bundle's ${path.basename(file)} is at most ${mb(maxBytes)} (no real model needs more, and reading it would stall the editor)`,
        );
        return undefined;
      }
    }
    return await fs.readFile(file, 'utf8');
  } catch (e) {
    problems.push(`${path.basename(file)} cannot be read: ${describeFsError(e)}`);
    return undefined;
  }
}

const mb = (bytes: number): string => `${(bytes / (1024 * 1024)).toFixed(1)} MB`;

function jsonObject(file: string, v: unknown, problems: string[]): Record<string, unknown> | undefined {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    problems.push(`${path.basename(file)} is not a JSON object`);
    return undefined;
  }
  return v as Record<string, unknown>;
}

async function readJson(file: string, problems: string[]): Promise<Record<string, unknown> | undefined> {
  const text = await readText(file, problems, BUNDLE_LIMITS.configBytes);
  if (text === undefined) return undefined;
  try {
    return jsonObject(file, JSON.parse(text), problems);
  } catch (e) {
    problems.push(`${path.basename(file)} is not valid JSON (${(e as Error).message})`);
    return undefined;
  }
}

/** tokenizer.json, parsed off the main thread, with its vocabulary split out when it can be. */
async function readTokenizerFile(
  file: string,
  problems: string[],
): Promise<{ json: Record<string, unknown>; vocab: TokenVocab | undefined } | undefined> {
  const text = await readText(file, problems, BUNDLE_LIMITS.tokenizerBytes);
  if (text === undefined) return undefined;
  const parsed = await parseTokenizerFile(text);
  if (!parsed.ok) {
    problems.push(`${path.basename(file)} is not valid JSON (${parsed.message})`);
    return undefined;
  }
  const json = jsonObject(file, parsed.value, problems);
  return json && { json, vocab: parsed.vocab };
}

/** Labels from an HF-style `{"0": "A", "1": "B"}` map; ids must be 0..n-1 without gaps. */
export function labelsFromIdMap(map: unknown, field: string, problems: string[]): string[] {
  if (map === undefined) return [];
  if (typeof map !== 'object' || map === null || Array.isArray(map)) {
    problems.push(`config.json: "${field}" must be an object mapping ids to labels`);
    return [];
  }
  const entries = Object.entries(map as Record<string, unknown>);
  if (entries.length > BUNDLE_LIMITS.labels) {
    problems.push(
      `config.json: "${field}" has ${entries.length} labels; at most ${BUNDLE_LIMITS.labels} are accepted (no real tag set has as many, and each costs memory and time on every word)`,
    );
    return [];
  }
  const labels: string[] = new Array(entries.length);
  for (const [k, v] of entries) {
    const id = /^\d+$/.test(k) ? Number(k) : NaN; // not "", " 1" or "1.0", which Number() takes
    if (!Number.isInteger(id) || id < 0 || id >= entries.length || labels[id] !== undefined) {
      problems.push(`config.json: "${field}" has id ${JSON.stringify(k)}; ids must be 0..${entries.length - 1}, each once`);
      return [];
    }
    if (typeof v !== 'string' || v.length === 0) {
      problems.push(`config.json: "${field}" label for id ${k} must be a non-empty string`);
      return [];
    }
    const bad = labelProblem(v);
    if (bad) {
      problems.push(`config.json: "${field}" label for id ${k} (${JSON.stringify(v)}) ${bad}`);
      return [];
    }
    labels[id] = v;
  }
  return labels;
}

/**
 * Why a label cannot be written in the export formats, if it cannot: a space or tab splits a
 * CoNLL column, `|` separates CoNLL-U's MISC entries (`NE=B-A|B` reads back as `A`), and a
 * control character is no text at all.
 */
export function labelProblem(label: string): string | undefined {
  if (label.length > BUNDLE_LIMITS.labelChars)
    return `is ${label.length} characters long; at most ${BUNDLE_LIMITS.labelChars} are accepted`;
  const space = [...label].map((c) => c.codePointAt(0)!).find(isColumnWhitespace);
  if (space !== undefined)
    return `contains whitespace (U+${space.toString(16).toUpperCase().padStart(4, '0')}), which would split the CoNLL columns; use _ or - instead`;
  if (label.includes('|')) return 'contains "|", which separates the entries of a CoNLL-U MISC column; use another character';
  if (/[\p{Cc}\p{Cf}]/u.test(label)) return 'contains a control or format character';
  return undefined;
}

export function inferScheme(labels: readonly string[]): LabelScheme {
  const prefixed = labels.filter((l) => /^[BIESL]-/.test(l));
  if (prefixed.length === 0) return 'plain';
  return labels.some((l) => /^[ESL]-/.test(l)) ? 'BIOES' : 'BIO';
}

/** Reads and checks a bundle folder's files (the ONNX graph is checked by `checkSignature`). */
export async function loadBundle(dir: string): Promise<Result<Bundle>> {
  const problems: string[] = [];
  let stat;
  try {
    stat = await fs.stat(dir);
  } catch (e) {
    return { ok: false, problems: [`the model folder ${dir} cannot be read: ${describeFsError(e)}`] };
  }
  if (!stat.isDirectory()) return { ok: false, problems: [`${dir} is not a folder; a model bundle is a folder`] };
  const present = new Set(await fs.readdir(dir).catch(() => [] as string[]));
  const missing = REQUIRED_FILES.filter((f) => !present.has(f));
  if (missing.length) {
    return {
      ok: false,
      problems: [`${dir} is not a model bundle: ${missing.join(', ')} missing (a bundle has ${REQUIRED_FILES.join(', ')})`],
    };
  }
  // ONNX Runtime reads model.onnx later, in the worker, and says little about files it cannot
  // open: check here that it is a readable, non-empty file.
  const modelPath = path.join(dir, 'model.onnx');
  try {
    const st = await fs.stat(modelPath);
    if (st.isDirectory()) problems.push('model.onnx cannot be read: it is a folder, not a file');
    else if (!st.isFile()) problems.push('model.onnx cannot be read: it is not a regular file');
    else if (st.size === 0) problems.push('model.onnx is empty (0 bytes)');
    else await (await fs.open(modelPath, 'r')).close();
  } catch (e) {
    problems.push(`model.onnx cannot be read: ${describeFsError(e)}`);
  }
  const [config, tokenizerFile, tokenizerConfig] = await Promise.all([
    readJson(path.join(dir, 'config.json'), problems),
    readTokenizerFile(path.join(dir, 'tokenizer.json'), problems),
    present.has('tokenizer_config.json') ? readJson(path.join(dir, 'tokenizer_config.json'), problems) : undefined,
  ]);
  const tokenizerJson = tokenizerFile?.json;
  const vocab = tokenizerFile?.vocab;
  if (vocab && vocab.tokens.length > BUNDLE_LIMITS.vocabTokens) {
    problems.push(`tokenizer.json has ${vocab.tokens.length} tokens in its vocabulary; at most ${BUNDLE_LIMITS.vocabTokens} are accepted`);
  } else if (tokenizerJson) {
    const model = tokenizerJson['model'] as Record<string, unknown> | undefined;
    if (!model || typeof model !== 'object' || typeof model['vocab'] !== 'object') {
      problems.push('tokenizer.json has no "model" with a "vocab": it is not a Hugging Face tokenizer file');
    } else if (model['type'] !== 'WordPiece') {
      problems.push(`tokenizer.json is a ${String(model['type'])} tokenizer; BERT bundles need WordPiece`);
    } else {
      const has = (t: string): boolean => (vocab ? vocab.tokens.includes(t) : t in (model['vocab'] as Record<string, unknown>));
      for (const t of ['[CLS]', '[SEP]', '[PAD]', '[UNK]']) {
        if (!has(t)) problems.push(`tokenizer.json: the vocabulary has no ${t} token`);
      }
    }
  }
  let bundleConfig: BundleConfig | undefined;
  if (config) {
    const labels = labelsFromIdMap(config['id2label'], 'id2label', problems);
    const sequenceLabels = labelsFromIdMap(config['sequence_id2label'], 'sequence_id2label', problems);
    if (config['id2label'] === undefined && config['sequence_id2label'] === undefined) {
      problems.push('config.json has neither "id2label" (token labels) nor "sequence_id2label" (sequence labels)');
    }
    const maxFromTok = tokenizerConfig?.['model_max_length'];
    const maxLength = config['max_length'] ?? config['max_position_embeddings'] ?? maxFromTok ?? 512;
    if (typeof maxLength !== 'number' || !Number.isInteger(maxLength) || maxLength < 8 || maxLength > 8192) {
      problems.push(`config.json: "max_length" must be a whole number from 8 to 8192 (found ${JSON.stringify(maxLength)})`);
    }
    const scheme = config['label_scheme'] ?? inferScheme(labels);
    if (scheme !== 'plain' && scheme !== 'BIO' && scheme !== 'BIOES') {
      problems.push(`config.json: "label_scheme" must be "plain", "BIO" or "BIOES" (found ${JSON.stringify(scheme)})`);
    }
    const wordPattern = config['word_pattern'];
    if (wordPattern !== undefined) {
      const of = `(the bundle ${JSON.stringify(path.basename(dir))})`;
      if (typeof wordPattern !== 'string')
        problems.push(`config.json: "word_pattern" is not a valid regular expression (it must be a string) ${of}`);
      else for (const p of await checkWordPattern(wordPattern)) problems.push(`config.json: "word_pattern" ${p} ${of}`);
    }
    const arch = Array.isArray(config['architectures']) ? String(config['architectures'][0]) : String(config['model_type'] ?? 'unknown');
    bundleConfig = {
      name: typeof config['name'] === 'string' ? config['name'] : path.basename(dir),
      labels,
      sequenceLabels,
      labelScheme: scheme as LabelScheme,
      maxLength: maxLength as number,
      wordPattern: wordPattern as string | undefined,
      architecture: arch,
      dynamicQuantization:
        typeof config['quantization'] === 'object' &&
        config['quantization'] !== null &&
        (config['quantization'] as Record<string, unknown>)['activations'] === 'dynamic',
      labelDescriptions: readDescriptions(config['label_descriptions'], 'label_descriptions', labels, problems),
      sequenceLabelDescriptions: readDescriptions(
        config['sequence_label_descriptions'],
        'sequence_label_descriptions',
        sequenceLabels,
        problems,
      ),
    };
  }
  if (problems.length || !bundleConfig || !tokenizerJson) return { ok: false, problems };
  const card = present.has('README.md') ? await fs.readFile(path.join(dir, 'README.md'), 'utf8').catch(() => undefined) : undefined;
  return {
    ok: true,
    value: { dir, modelPath: path.join(dir, 'model.onnx'), tokenizerJson, vocab, config: bundleConfig, card },
  };
}

/** Checks an ONNX model's inputs and outputs against the contract and the bundle's labels. */
export function checkSignature(sig: ModelSignature, config: BundleConfig): Result<OutputRoles> {
  const problems: string[] = [];
  const inputs = new Map(sig.inputs.map((i) => [i.name, i]));
  for (const name of ['input_ids', 'attention_mask', 'token_type_ids']) {
    const i = inputs.get(name);
    if (!i) {
      if (name !== 'token_type_ids')
        problems.push(`model.onnx has no input named "${name}" (its inputs: ${sig.inputs.map((x) => x.name).join(', ') || 'none'})`);
    } else if (i.rank !== undefined && i.rank !== 2)
      problems.push(`model.onnx input "${name}" must be [batch, sequence] (it has rank ${i.rank})`);
  }
  const allowed = new Set(['input_ids', 'attention_mask', 'token_type_ids']);
  for (const i of sig.inputs) {
    if (!allowed.has(i.name))
      problems.push(`model.onnx has an input "${i.name}" the contract does not know (allowed: input_ids, attention_mask, token_type_ids)`);
  }
  const outputs = new Map(sig.outputs.map((o) => [o.name, o]));
  const rank = (name: string): number | undefined => outputs.get(name)?.shape?.length;
  const lastDim = (name: string): number | string | undefined => {
    const s = outputs.get(name)?.shape;
    return s ? s[s.length - 1] : undefined;
  };
  let tokenLogits: string | undefined;
  if (outputs.has('token_logits')) tokenLogits = 'token_logits';
  else if (outputs.has('logits') && (rank('logits') === undefined || rank('logits') === 3)) tokenLogits = 'logits';
  const sequenceLogits = outputs.has('sequence_logits') ? 'sequence_logits' : undefined;
  const attentions = outputs.has('attentions') ? 'attentions' : undefined;
  if (!tokenLogits && !sequenceLogits) {
    problems.push(
      `model.onnx has no head: it needs an output "token_logits" (or a 3-D "logits") or "sequence_logits" (its outputs: ${sig.outputs.map((o) => o.name).join(', ') || 'none'})`,
    );
  }
  if (tokenLogits) {
    const r = rank(tokenLogits);
    if (r !== undefined && r !== 3)
      problems.push(`model.onnx output "${tokenLogits}" must be [batch, sequence, labels] (it has rank ${r})`);
    const n = lastDim(tokenLogits);
    if (typeof n === 'number' && n !== config.labels.length) {
      problems.push(`model.onnx gives ${n} token labels but config.json "id2label" has ${config.labels.length}`);
    }
    if (config.labels.length === 0) problems.push('model.onnx has token logits but config.json has no "id2label"');
  }
  if (sequenceLogits) {
    const r = rank(sequenceLogits);
    if (r !== undefined && r !== 2) problems.push(`model.onnx output "sequence_logits" must be [batch, labels] (it has rank ${r})`);
    const n = lastDim(sequenceLogits);
    if (typeof n === 'number' && n !== config.sequenceLabels.length) {
      problems.push(`model.onnx gives ${n} sequence labels but config.json "sequence_id2label" has ${config.sequenceLabels.length}`);
    }
  }
  if (attentions) {
    const r = rank(attentions);
    if (r !== undefined && r !== 5)
      problems.push(`model.onnx output "attentions" must be [batch, layers, heads, sequence, sequence] (it has rank ${r})`);
  }
  if (problems.length) return { ok: false, problems };
  return { ok: true, value: { tokenLogits, sequenceLogits, attentions, hasTokenTypeIds: inputs.has('token_type_ids') } };
}
