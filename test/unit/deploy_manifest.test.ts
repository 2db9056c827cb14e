// The Kubernetes manifests and the container recipe under deploy/, checked without a cluster:
// - each object is validated against the Kubernetes API's JSON schema as shipped by
//   kubernetes-models (types, required fields, enumerations), and type-checked by the
//   TypeScript compiler against the same package's API types, whose excess-property check
//   rejects a field the API does not have (a misspelt field is silently dropped by a cluster);
// - the sharding fields agree with each other and with the labeler (an Indexed Job, its count in
//   JOB_COMPLETION_COUNT, the index in the output's name, mounts that exist);
// - the Job's own arguments and the merge Job's own command, run here as local processes on
//   temporary folders standing in for the volumes, label a corpus into shards and merge them
//   into what one --batch run writes;
// - the Dockerfile passes dockerfile-utils' validator, and what it copies exists and is let
//   through by its .dockerignore.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import * as ts from 'typescript';
import { parseAllDocuments } from 'yaml';
import { REPO } from './fixtures';

const DEPLOY = path.join(REPO, 'deploy');
const CLI = path.join(REPO, 'dist/cli.js');

type Obj = Record<string, unknown> & { apiVersion: string; kind: string };
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the manifests are read as untyped YAML
type Any = any;

/** The objects of a YAML file (several documents allowed); a YAML error fails the test. */
function objects(file: string): Obj[] {
  const docs = parseAllDocuments(readFileSync(path.join(DEPLOY, file), 'utf8'));
  return (Array.isArray(docs) ? docs : [docs]).map((d) => {
    assert.deepEqual(
      d.errors.map((e) => e.message),
      [],
      `${file}: YAML errors`,
    );
    return d.toJS() as Obj;
  });
}

const FILES = ['job.yaml', 'merge-job.yaml', 'volumes.yaml'];

/** kubernetes-models is ESM with an import-only exports map: its files are loaded by path (require of ESM). */
function model(kind: string): new (data: unknown) => { validate(): void } {
  const [dir, name] = kind === 'Job' ? ['batch/v1', 'Job'] : kind === 'PersistentVolumeClaim' ? ['v1', 'PersistentVolumeClaim'] : [];
  assert.ok(dir, `no model for kind ${kind} in this test`);
  return (require(path.join(REPO, 'node_modules/kubernetes-models', dir, 'index.js')) as Record<string, Any>)[name!];
}

const TYPE_OF: Record<string, [string, string]> = {
  Job: ['kubernetes-models/batch/v1/Job', 'IJob'],
  PersistentVolumeClaim: ['kubernetes-models/v1/PersistentVolumeClaim', 'IPersistentVolumeClaim'],
};

/** TypeScript's diagnostics for `const x: IKind = <object>` over the given objects (in words). */
function typeCheck(objs: readonly Obj[]): string[] {
  const file = path.join(REPO, '__deploy_manifests__.ts');
  const kinds = [...new Set(objs.map((o) => o.kind))];
  const source = [
    ...kinds.map((k) => `import type { ${TYPE_OF[k][1]} } from '${TYPE_OF[k][0]}';`),
    ...objs.map((o, i) => `export const object${i}: ${TYPE_OF[o.kind][1]} = ${JSON.stringify(o, null, 1)};`),
  ].join('\n');
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    types: [],
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    target: ts.ScriptTarget.ES2022,
  };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, lang, ...rest) =>
    path.resolve(name) === file ? ts.createSourceFile(name, source, lang) : getSourceFile(name, lang, ...rest);
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (name) => path.resolve(name) === file || fileExists(name);
  const program = ts.createProgram([file], options, host);
  return ts
    .getPreEmitDiagnostics(program)
    .map(
      (d) =>
        ts.flattenDiagnosticMessageText(d.messageText, '\n') +
        (d.file && d.start !== undefined ? ` (${d.file.fileName}:${d.file.getLineAndCharacterOfPosition(d.start).line + 1})` : ''),
    );
}

test('every object under deploy/ is valid against the Kubernetes API schema (kubernetes-models), and a broken one is not', () => {
  for (const f of FILES)
    for (const o of objects(f)) {
      const M = model(o.kind);
      assert.doesNotThrow(() => new M(o).validate(), `${f}: ${o.kind}`);
    }
  const job = objects('job.yaml')[0] as Any;
  const broken = structuredClone(job);
  broken.spec.completionMode = 'indexed';
  broken.spec.completions = '8';
  delete broken.spec.template.spec.containers[0].name;
  assert.throws(
    () => new (model('Job'))(broken).validate(),
    (e: Error) =>
      /completionMode must be equal to one of the allowed values/.test(e.message) &&
      /completions must be integer/.test(e.message) &&
      /must have required property 'name'|must have required property name/.test(e.message),
  );
});

test('every object under deploy/ type-checks against the Kubernetes API types, which reject a field the API does not have', () => {
  const all = FILES.flatMap(objects);
  assert.deepEqual(typeCheck(all), []);
  const misspelt: Array<[string, (j: Any) => void, RegExp]> = [
    ['spec.completionsMode', (j) => (j.spec.completionsMode = 'Indexed'), /'"?completionsMode"?' does not exist/],
    ["a container's volumeMount", (j) => (j.spec.template.spec.containers[0].volumeMount = []), /'"?volumeMount"?' does not exist/],
    ['a wrong type', (j) => (j.spec.parallelism = 'eight'), /'string' is not assignable to type 'number'/],
    ['a wrong enum value', (j) => (j.spec.podReplacementPolicy = 'Always'), /"Always"' is not assignable/],
  ];
  for (const [what, change, re] of misspelt) {
    const job = structuredClone(objects('job.yaml')[0]) as Any;
    change(job);
    const problems = typeCheck([job]);
    assert.ok(
      problems.some((p) => re.test(p)),
      `${what}: ${problems.join('\n') || 'no problem found'}`,
    );
  }
});

const job = objects('job.yaml')[0] as Any;
const spec = job.spec;
const pod = spec.template.spec;
const container = pod.containers[0];
const envValue = (name: string): Any => container.env.find((e: Any) => e.name === name);

test('the Job is an Indexed Job whose count, index, mounts and retries fit the labeler', () => {
  assert.equal(spec.completionMode, 'Indexed');
  assert.ok(Number.isInteger(spec.completions) && spec.completions >= 1);
  assert.ok(spec.parallelism >= 1 && spec.parallelism <= spec.completions, 'parallelism at most completions');
  assert.equal(envValue('JOB_COMPLETION_COUNT')?.value, String(spec.completions), 'JOB_COMPLETION_COUNT must equal completions');
  // the output's name uses a variable set from the completion index annotation
  const out = container.args[container.args.indexOf('--batch') + 1] as string;
  const m = /\$\(([A-Z_]+)\)/.exec(out);
  assert.ok(m, `the output ${out} does not name the shard's index`);
  assert.equal(envValue(m[1])?.valueFrom?.fieldRef?.fieldPath, "metadata.annotations['batch.kubernetes.io/job-completion-index']");
  // a killed pod is retried with its index, and only once the old pod is gone
  assert.equal(pod.restartPolicy, 'Never', 'backoffLimitPerIndex needs restartPolicy Never');
  assert.ok(spec.backoffLimitPerIndex >= 1);
  assert.equal(spec.podReplacementPolicy, 'Failed');
  // mounts: the inputs read-only, the output folder writable, each a volume of the pod
  const mounts = container.volumeMounts as Any[];
  const volumes = new Map((pod.volumes as Any[]).map((v) => [v.name, v]));
  for (const mnt of mounts) assert.ok(volumes.has(mnt.name), `mount ${mnt.name} has no volume`);
  const mountOf = (p: string): Any => mounts.find((mnt) => p === mnt.mountPath || p.startsWith(mnt.mountPath + '/'));
  assert.notEqual(mountOf(path.posix.dirname(out))?.readOnly, true, 'the output folder is on a writable mount');
  const input = container.args[container.args.length - 1];
  assert.equal(mountOf(input)?.readOnly, true, 'the inputs are mounted read-only');
  const claims = new Set(objects('volumes.yaml').map((o) => (o.metadata as Any).name));
  for (const v of volumes.values()) if (v.persistentVolumeClaim) assert.ok(claims.has(v.persistentVolumeClaim.claimName), v.name);
  // one inference worker per requested core
  assert.equal(container.args[container.args.indexOf('--workers') + 1], String(container.resources.requests.cpu));
  // the image is the one deploy/README.md builds, at the package's version
  const version = (JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { version: string }).version;
  for (const f of ['job.yaml', 'merge-job.yaml'])
    assert.equal((objects(f)[0] as Any).spec.template.spec.containers[0].image, `bert-lstm-label:${version}`, f);
  assert.match(readFileSync(path.join(DEPLOY, 'README.md'), 'utf8'), new RegExp(`-t bert-lstm-label:${version.replace(/\./g, '\\.')} `));
});

test("the Job's arguments and the merge Job's command, run locally over stand-in volumes, give what one --batch run writes", () => {
  const base = mkdtempSync(path.join(tmpdir(), 'deploy-'));
  const volume = { '/data/in': path.join(base, 'in'), '/data/out': path.join(base, 'out') };
  mkdirSync(volume['/data/in']);
  mkdirSync(volume['/data/out']);
  for (let i = 0; i < 5; i++)
    writeFileSync(path.join(volume['/data/in'], `n${i}.txt`), `Note ${i}: the council met on Tuesday.\n`.repeat(i + 1));
  const local = (s: string): string => {
    for (const [from, to] of Object.entries(volume)) if (s === from || s.startsWith(from + '/')) return to + s.slice(from.length);
    return s;
  };
  for (let index = 0; index < spec.completions; index++) {
    // the pod's environment and its $(VAR) expansion, as the kubelet does
    const env: Record<string, string> = { JOB_COMPLETION_INDEX: String(index) };
    for (const e of container.env as Any[])
      env[e.name] = e.value ?? (e.valueFrom?.fieldRef?.fieldPath?.includes('job-completion-index') ? String(index) : '');
    const args = (container.args as string[]).map((a) =>
      local(a.replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (_, n: string) => env[n] ?? `$(${n})`)),
    );
    const r = spawnSync(process.execPath, [CLI, ...args], {
      encoding: 'utf8',
      cwd: REPO,
      env: { ...process.env, ...env },
      timeout: 120_000,
    });
    assert.equal(r.status, 0, `pod ${index}: ${r.stderr}`);
    assert.match(r.stderr, new RegExp(`shard ${index}/${spec.completions}: `));
  }
  const merge = (objects('merge-job.yaml')[0] as Any).spec.template.spec.containers[0];
  assert.deepEqual(merge.command.slice(0, 2), ['sh', '-c']);
  const script = (merge.command[2] as string).replace('/app/dist/cli.js', CLI).replace(/\/data\/out/g, volume['/data/out']);
  const m = spawnSync('sh', ['-c', script], { encoding: 'utf8', cwd: REPO, timeout: 120_000 });
  assert.equal(m.status, 0, m.stderr);
  assert.match(m.stderr, new RegExp(`${spec.completions} shards merged`));
  // one unsharded run with the same options
  const single = path.join(base, 'single.jsonl');
  const options = (container.args as string[]).filter((a, i, all) => a !== '--batch' && all[i - 1] !== '--batch' && i < all.length - 1);
  const r = spawnSync(process.execPath, [CLI, '--batch', single, ...options, volume['/data/in']], {
    encoding: 'utf8',
    cwd: REPO,
    timeout: 120_000,
  });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(readFileSync(path.join(volume['/data/out'], 'labels.jsonl')), readFileSync(single));
});

test("the Dockerfile passes dockerfile-utils' validator; it builds on Node 24, and what it copies exists and passes its .dockerignore", () => {
  const text = readFileSync(path.join(DEPLOY, 'Dockerfile'), 'utf8');
  const { validate } = require('dockerfile-utils') as { validate(content: string): Array<{ message: string; instructionLine?: number }> };
  assert.deepEqual(
    validate(text).map((d) => `line ${(d.instructionLine ?? 0) + 1}: ${d.message}`),
    [],
  );
  assert.deepEqual(validate('FROM node:24\nRUNN echo\n').length > 0, true, 'the validator finds a broken Dockerfile');
  const lines = text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .filter((l) => l.trim() && !l.trim().startsWith('#'));
  const froms = lines.filter((l) => /^FROM /i.test(l));
  assert.ok(froms.length >= 1);
  for (const f of froms) assert.match(f, /^FROM node:24[-.\w]*(\s|$)/i);
  const allowed = readFileSync(path.join(DEPLOY, 'Dockerfile.dockerignore'), 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('!'))
    .map((l) => l.slice(1).replace(/\/\*\*$/, ''));
  for (const l of lines.filter((x) => /^COPY /i.test(x) && !/--from=/.test(x))) {
    const parts = l.trim().split(/\s+/).slice(1, -1);
    for (const src of parts) {
      assert.ok(spawnSync('test', ['-e', path.join(REPO, src)]).status === 0, `COPY ${src}: not in the repository`);
      assert.ok(allowed.includes(src.replace(/\/$/, '')), `COPY ${src} is left out by Dockerfile.dockerignore`);
    }
  }
  const entry = lines.find((l) => /^ENTRYPOINT /i.test(l))!;
  assert.deepEqual(JSON.parse(entry.replace(/^ENTRYPOINT\s+/i, '')), ['node', '/app/dist/cli.js']);
  assert.ok(
    lines.some((l) => /^COPY --from=build \/src\/dist \.\/dist$/.test(l.trim())) && lines.some((l) => /^WORKDIR \/app$/.test(l.trim())),
  );
});
