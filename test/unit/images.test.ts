// What can be known about the images without a Docker engine: the Dockerfiles are read as a builder
// would read them, stage by stage, and each COPY is followed to something that exists — a file of the
// build context (in the repository and not left out by .dockerignore), or a file a build stage makes
// (npm ci, npm run build, npm run build:native, as package.json and native/binding.gyp define them).
// Then the runtime stage is held to what the chart and the code expect of it.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { parse as parseYaml, parseAllDocuments } from 'yaml';
import { repoRoot } from '../../src/lib/paths.ts';
import { NATIVE_PATH } from '../../src/dataplane/native.ts';
import { DEFAULT_IMAGE } from '../../src/cli/operator.ts';

const BASE = 'node:26-bookworm-slim';
const read = (rel: string) => fs.readFileSync(path.join(repoRoot, rel), 'utf8');
const pkg = JSON.parse(read('package.json')) as { scripts: Record<string, string>; dependencies: Record<string, string>; devDependencies: Record<string, string> };

interface Instruction { cmd: string; args: string; line: number }
interface Stage { name?: string; index: number; base: string; instructions: Instruction[] }

/** Instructions of a Dockerfile: comments dropped, continuation lines joined. */
function parseDockerfile(text: string): Instruction[] {
  const out: Instruction[] = [];
  let pending = '';
  let start = 0;
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line.startsWith('#') || (line === '' && pending === '')) return;
    if (pending === '') start = i + 1;
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1)} `;
      return;
    }
    const whole = (pending + line).trim();
    pending = '';
    if (whole === '') return;
    const m = /^(\S+)\s*(.*)$/.exec(whole)!;
    out.push({ cmd: m[1]!.toUpperCase(), args: m[2]!, line: start });
  });
  return out;
}

function stagesOf(instructions: Instruction[]): Stage[] {
  const stages: Stage[] = [];
  for (const ins of instructions) {
    if (ins.cmd === 'FROM') {
      const m = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(ins.args);
      assert.ok(m, `FROM ${ins.args}`);
      stages.push({ base: m[1]!, index: stages.length, instructions: [], ...(m[2] ? { name: m[2] } : {}) });
    } else {
      assert.ok(stages.length > 0, `${ins.cmd} before any FROM (line ${ins.line})`);
      stages.at(-1)!.instructions.push(ins);
    }
  }
  return stages;
}

/** Exec form (JSON array) of CMD/ENTRYPOINT; the shell form would put a shell between the runtime's signals and node. */
function execForm(ins: Instruction | undefined): string[] {
  assert.ok(ins, 'instruction present');
  const v = JSON.parse(ins.args) as unknown;
  assert.ok(Array.isArray(v) && v.every((x) => typeof x === 'string'), `${ins.cmd} in exec form: ${ins.args}`);
  return v as string[];
}

/** .dockerignore as the builder applies it: patterns in order, the last one matching a path or a parent of it decides. */
function dockerIgnored(rel: string, patterns: string[]): boolean {
  const parts = rel.split('/');
  let ignored = false;
  for (const raw of patterns) {
    const negate = raw.startsWith('!');
    const pattern = (negate ? raw.slice(1) : raw).replace(/^\/+|\/+$/g, '');
    const re = new RegExp(`^${pattern.split('/').map((seg) => (seg === '**' ? '.*' : seg.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]'))).join('/')}$`);
    if (parts.some((_, i) => re.test(parts.slice(0, i + 1).join('/')))) ignored = !negate;
  }
  return ignored;
}
const ignorePatterns = read('.dockerignore').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));

/** What `npm run build` writes, from the esbuild command line in package.json: entry name → output, and the entries' sources. */
function buildOutputs(): { outputs: string[]; sources: string[] } {
  const script = pkg.scripts.build!;
  const outdir = /--outdir=(\S+)/.exec(script)?.[1];
  const ext = /--out-extension:\.js=(\S+)/.exec(script)?.[1] ?? '.js';
  assert.ok(outdir, 'npm run build names an outdir');
  const entries = [...script.matchAll(/(?:^|\s)([\w-]+)=(src\/\S+\.ts)/g)].map((m) => ({ name: m[1]!, source: m[2]! }));
  assert.ok(entries.length >= 2, `entries of ${script}`);
  return { outputs: entries.map((e) => `${outdir}/${e.name}${ext}`), sources: entries.map((e) => e.source) };
}

/** What `npm run build:native` writes: node-gyp's Release build of binding.gyp's target, in the --directory. */
function nativeOutput(): string {
  const dir = /--directory\s+(\S+)/.exec(pkg.scripts['build:native']!)?.[1];
  assert.ok(dir, 'npm run build:native names the addon directory');
  const gyp = JSON.parse(read(path.join(dir, 'binding.gyp'))) as { targets: { target_name: string }[] };
  return `${dir}/build/Release/${gyp.targets[0]!.target_name}.node`;
}

/**
 * Files each stage holds, followed through its instructions. `context` paths are repository paths
 * (file or directory) copied in; `made` are files the stage's RUN steps produce.
 */
interface StageFiles { workdir: string; context: Map<string, string>; made: Set<string>; runs: string[] }

function followStages(stages: Stage[]): StageFiles[] {
  const files: StageFiles[] = [];
  const build = buildOutputs();
  for (const stage of stages) {
    const f: StageFiles = { workdir: '/', context: new Map(), made: new Set(), runs: [] };
    const abs = (p: string) => path.posix.resolve(f.workdir, p);
    const holds = (p: string) => has(f, abs(p));
    for (const ins of stage.instructions) {
      if (ins.cmd === 'WORKDIR') f.workdir = abs(ins.args);
      if (ins.cmd === 'COPY') {
        const words = ins.args.split(/\s+/);
        const from = words.find((w) => w.startsWith('--from='))?.slice('--from='.length);
        const [dest, ...srcs] = words.filter((w) => !w.startsWith('--')).reverse();
        const sources = srcs.reverse();
        const destAbs = abs(dest!);
        const into = (src: string) => (sources.length > 1 || (dest!.endsWith("/") && !src.endsWith("/")) ? path.posix.join(destAbs, path.posix.basename(src)) : destAbs);
        for (const src of sources) {
          if (from === undefined) {
            const rel = src.replace(/\/+$/, '');
            assert.ok(fs.existsSync(path.join(repoRoot, rel)), `line ${ins.line}: COPY ${src}: not in the repository`);
            assert.ok(!dockerIgnored(rel, ignorePatterns), `line ${ins.line}: COPY ${src}: left out of the build context by .dockerignore`);
            f.context.set(into(src), rel);
          } else {
            const origin = stages.find((s) => s.name === from || String(s.index) === from);
            assert.ok(origin && origin.index < stage.index, `line ${ins.line}: COPY --from=${from}: no earlier stage of that name`);
            const there = files[origin.index]!;
            assert.ok(has(there, src), `line ${ins.line}: COPY --from=${from} ${src}: stage ${from} makes no such file`);
            // What is copied is what the other stage held at and below src.
            const target = into(src);
            for (const m of there.made) if (m === src || m.startsWith(`${src}/`)) f.made.add(target + m.slice(src.length));
            for (const [p, rel] of there.context) if (p === src || p.startsWith(`${src}/`)) f.context.set(target + p.slice(src.length), rel);
            if (there.context.has(src)) f.context.set(target, there.context.get(src)!);
          }
        }
      }
      if (ins.cmd === 'RUN') {
        f.runs.push(ins.args);
        for (const step of ins.args.split(/\s*&&\s*/)) {
          if (/^npm ci\b/.test(step)) {
            assert.ok(holds('package.json') && holds('package-lock.json'), `line ${ins.line}: npm ci needs package.json and package-lock.json first`);
            f.made.add(abs('node_modules'));
          }
          if (/^npm run build(\s|$)/.test(step)) {
            assert.ok(holds('node_modules'), `line ${ins.line}: npm run build needs npm ci first`);
            for (const s of build.sources) assert.ok(holds(s), `line ${ins.line}: npm run build needs ${s}, not copied yet`);
            for (const o of build.outputs) f.made.add(abs(o));
          }
          if (/^npm run build:native\b/.test(step)) {
            assert.ok(holds('node_modules'), `line ${ins.line}: node-gyp comes from npm ci`);
            assert.ok(holds('native/binding.gyp') && holds('native/ixnative.c'), `line ${ins.line}: npm run build:native needs native/`);
            f.made.add(abs(nativeOutput()));
          }
        }
      }
    }
    files.push(f);
  }
  return files;
}

/** Whether the stage holds `p`: a file or directory it made, or a context file or directory (or one inside a copied directory). */
function has(f: StageFiles, p: string): boolean {
  if ([...f.made].some((m) => m === p || m.startsWith(`${p}/`) || (p.startsWith(`${m}/`) && m.endsWith('node_modules')))) return true;
  for (const [dest, rel] of f.context) {
    if (dest === p) return true;
    if (dest.startsWith(`${p}/`)) return true;
    if (p.startsWith(`${dest}/`) && fs.existsSync(path.join(repoRoot, rel, p.slice(dest.length + 1)))) return true;
  }
  return false;
}

const values = parseYaml(read('charts/ix-operator/values.yaml')) as { image: { repository: string; tag: string }; operator: { podSecurityContext: { runAsUser: number } } };
const chartImage = `${values.image.repository}:${values.image.tag}`;
const deployment = parseAllDocuments(read('deploy/02-ix-operator.yaml')).map((d) => d.toJS() as { kind?: string; spec?: { template: { spec: { containers: { workingDir?: string; command?: string[] }[] } } } })
  .find((d) => d?.kind === 'Deployment');

for (const [file, defaultCmd] of [['images/operator.Dockerfile', ['operator']], ['images/dataplane.Dockerfile', ['run', '--listen', '0.0.0.0', '--control-port', '9121']]] as const) {
  describe(file, () => {
    const stages = stagesOf(parseDockerfile(read(file)));
    const runtime = stages.at(-1)!;
    const last = (cmd: string) => runtime.instructions.filter((i) => i.cmd === cmd).at(-1);

    it(`builds every stage on ${BASE}, so the addon is built for the Node it runs on`, () => {
      assert.ok(stages.length >= 2, 'multi-stage');
      for (const s of stages) assert.equal(s.base, BASE, `stage ${s.name ?? s.index}`);
    });

    it('copies only what exists: context files present and not ignored, and files a stage really makes', () => {
      followStages(stages);
    });

    it('builds the bundle and the addon in a stage that has python3, make and g++; the runtime stage has no compiler', () => {
      const files = followStages(stages);
      const builder = stages.find((s) => files[s.index]!.made.has(path.posix.join(files[s.index]!.workdir, nativeOutput())));
      assert.ok(builder, 'a stage runs npm run build:native');
      const install = builder.instructions.filter((i) => i.cmd === 'RUN').map((i) => i.args).find((a) => a.includes('apt-get install'));
      assert.ok(install, 'the build stage installs its tools');
      for (const tool of ['python3', 'make', 'g++']) assert.ok(install.split(/\s+/).includes(tool), `installs ${tool}`);
      assert.ok(builder !== runtime);
      assert.ok(!runtime.instructions.some((i) => i.cmd === 'RUN' && /npm ci|npm install|node-gyp/.test(i.args)), 'nothing is built in the runtime stage');
      // The runtime stage may add the tools the node agent runs (ADR 0013), and nothing else.
      const RUNTIME_TOOLS = new Set(['ethtool']);
      for (const run of runtime.instructions.filter((i) => i.cmd === 'RUN' && i.args.includes('apt-get install'))) {
        const pkgs = run.args.split('apt-get install')[1]!.split('&&')[0]!.split(/\s+/).filter((w) => w && !w.startsWith('-') && w !== '\\');
        for (const p of pkgs) assert.ok(RUNTIME_TOOLS.has(p), `the runtime stage installs ${p}: only ${[...RUNTIME_TOOLS].join(', ')} belong there`);
      }
    });

    it('runs as a numeric non-root user: the uid of the pods\' securityContext', () => {
      const user = last('USER');
      assert.ok(user, 'a USER instruction in the runtime stage');
      const m = /^(\d+)(?::(\d+))?$/.exec(user.args);
      assert.ok(m, `numeric user (Kubernetes' runAsNonRoot can only check a number): ${user.args}`);
      assert.notEqual(Number(m[1]), 0);
      assert.equal(Number(m[1]), values.operator.podSecurityContext.runAsUser);
    });

    it('holds the bundle npm run build makes, package.json, the addon where the code loads it, and production node_modules only', () => {
      const files = followStages(stages);
      const f = files[runtime.index]!;
      const entry = execForm(last('ENTRYPOINT'));
      assert.equal(entry[0], 'node');
      const script = entry[1]!;
      assert.ok(buildOutputs().outputs.includes(script), `${script} is an output of npm run build`);
      for (const o of buildOutputs().outputs) assert.ok(f.made.has(path.posix.join(f.workdir, o)), `${o} (the elastic threads' worker is a bundle of its own)`);
      // The bundle finds its root by package.json (src/lib/paths.ts) and the addon from there (src/dataplane/native.ts).
      assert.equal(f.context.get(path.posix.join(f.workdir, 'package.json')), 'package.json');
      assert.ok(f.made.has(path.posix.join(f.workdir, path.relative(repoRoot, NATIVE_PATH))), `the addon at ${path.relative(repoRoot, NATIVE_PATH)} under the root`);
      const nm = runtime.instructions.find((i) => i.cmd === 'COPY' && /\bnode_modules\b/.test(i.args));
      assert.ok(nm, 'node_modules copied into the runtime stage');
      const from = /--from=(\S+)/.exec(nm.args)?.[1];
      const deps = stages.find((s) => s.name === from)!;
      assert.ok(files[deps.index]!.runs.some((r) => /npm ci\b.*--omit=dev/.test(r)), `stage ${from} runs npm ci --omit=dev`);
    });

    it('works with the chart: working directory and bundle of the Deployment, default command', () => {
      const workdir = last('WORKDIR')?.args;
      const container = deployment?.spec?.template.spec.containers[0];
      assert.equal(container?.workingDir, workdir);
      assert.ok(container?.command?.includes(execForm(last('ENTRYPOINT'))[1]!), 'the Deployment runs the same bundle');
      assert.deepEqual(execForm(last('CMD')), defaultCmd);
    });
  });
}

describe('.dockerignore', () => {
  it('leaves out what the host built and what the images do not need', () => {
    for (const p of ['node_modules/x', 'dist/ixctl.mjs', 'native/build/Release/ixnative.node', '.git/HEAD', 'test/run.ts', 'bench/results/a.json']) {
      assert.ok(dockerIgnored(p, ignorePatterns), `${p} is left out`);
    }
    for (const p of ['package.json', 'package-lock.json', 'src/cli/main.ts', 'native/ixnative.c']) assert.ok(!dockerIgnored(p, ignorePatterns), `${p} is sent`);
  });
});

describe('image names', () => {
  const builds = (text: string) => [...text.matchAll(/docker build -f (images\/\S+\.Dockerfile) -t (\S+) \./g)].map((m) => ({ file: m[1]!, image: m[2]! }));

  it('the README and docs/operations.md build the image the chart and the operator default to', () => {
    assert.equal(chartImage, DEFAULT_IMAGE, 'chart default = the operator\'s default dataplane image');
    for (const doc of ['README.md', 'docs/operations.md']) {
      const found = builds(read(doc));
      const op = found.find((b) => b.file === 'images/operator.Dockerfile');
      assert.ok(op, `${doc} says how to build images/operator.Dockerfile`);
      assert.equal(op.image, chartImage, `${doc} tags it as charts/ix-operator/values.yaml names it`);
      for (const b of found) assert.ok(fs.existsSync(path.join(repoRoot, b.file)), `${doc}: ${b.file} exists`);
    }
    const dp = builds(read('docs/operations.md')).find((b) => b.file === 'images/dataplane.Dockerfile');
    assert.ok(dp, 'docs/operations.md says how to build the dataplane image');
    assert.equal(dp.image.split(':')[1], values.image.tag, 'same version as the chart\'s image');
  });

  it('everything src/ imports at run time is a dependency, not a devDependency (npm ci --omit=dev keeps it)', () => {
    const imported = new Set<string>();
    const walk = (dir: string) => {
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) walk(p);
        else if (e.name.endsWith('.ts')) {
          for (const m of fs.readFileSync(p, 'utf8').matchAll(/^import (?!type )[^;]*?from '([^.][^']*)'|import\('([^.][^']*)'\)/gm)) {
            const spec = (m[1] ?? m[2])!;
            if (spec.startsWith('node:')) continue;
            imported.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!);
          }
        }
      }
    };
    walk(path.join(repoRoot, 'src'));
    assert.ok(imported.has('@kubernetes/client-node') && imported.has('commander'));
    for (const name of imported) assert.ok(pkg.dependencies[name], `${name} is imported by src/ but is not in dependencies`);
  });
});
