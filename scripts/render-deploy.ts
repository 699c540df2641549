// Renders deploy/ (the plain-manifest install path, `kubectl apply -f deploy/`) from charts/ix-operator
// with default values, through the helm that scripts/build-k8s-binaries.sh builds. It first copies
// crds/ into the chart, so the chart, deploy/ and src/api never disagree. `npm run render:deploy`.
// The integration test test/integration/chart.test.ts fails when deploy/ differs from what this renders.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { repoRoot } from '../src/lib/paths.ts';
import { ensureBinaries } from '../src/sim/binaries.ts';

export const CHART_DIR = path.join(repoRoot, 'charts', 'ix-operator');
export const DEPLOY_DIR = path.join(repoRoot, 'deploy');
/** Release name and namespace of the plain manifests: the names the operator's flags default to. */
export const DEPLOY_RELEASE = 'ix-operator';
export const DEPLOY_NAMESPACE = 'ix-system';

const HEADER = (what: string) =>
  `# ${what}\n# Rendered from charts/ix-operator (default values, release ${DEPLOY_RELEASE}, namespace ${DEPLOY_NAMESPACE})\n` +
  '# by `npm run render:deploy`. Do not edit: change the chart and render again.\n';

/** The generated CRD files of crds/, by file name. */
export function sourceCrds(): Map<string, string> {
  const dir = path.join(repoRoot, 'crds');
  return new Map(fs.readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort().map((f) => [f, fs.readFileSync(path.join(dir, f), 'utf8')]));
}

/** Makes charts/ix-operator/crds/ an exact copy of crds/ (stale files removed). */
export function syncChartCrds(): void {
  const dir = path.join(CHART_DIR, 'crds');
  fs.mkdirSync(dir, { recursive: true });
  const crds = sourceCrds();
  for (const f of fs.readdirSync(dir)) if (!crds.has(f)) fs.rmSync(path.join(dir, f));
  for (const [f, text] of crds) fs.writeFileSync(path.join(dir, f), text);
}

function helmRun(helm: string, args: string[]): string {
  const r = spawnSync(helm, args, { encoding: 'utf8', cwd: repoRoot });
  if (r.error) throw new Error(`cannot run helm (${helm}): ${r.error.message}`);
  if (r.status !== 0) throw new Error(`helm ${args.join(' ')} failed (exit ${r.status}):\n${r.stderr}`);
  return r.stdout;
}

/** The contents deploy/ must have (file name → text), rendered by the given helm binary. */
export function renderDeploy(helm: string): Map<string, string> {
  // The namespace is not in the chart (`helm install --create-namespace` makes it there). The agent's
  // hostPath mounts are refused by the baseline Pod Security level, so the namespace says privileged.
  const namespace = HEADER('The namespace of the operator and the node agent.') + [
    'apiVersion: v1',
    'kind: Namespace',
    'metadata:',
    `  name: ${DEPLOY_NAMESPACE}`,
    '  labels:',
    '    app.kubernetes.io/part-of: ix-operator',
    '    pod-security.kubernetes.io/enforce: privileged',
    '',
  ].join('\n');
  // `helm show crds` joins the files without document separators, so the CRDs are taken from one
  // `helm template --include-crds`, split by the Source comment helm puts on every document.
  const docs = helmRun(helm, ['template', DEPLOY_RELEASE, CHART_DIR, '--namespace', DEPLOY_NAMESPACE, '--include-crds'])
    .split(/^---\n/m).filter((d) => d.trim() !== '');
  const isCrd = (d: string) => d.startsWith(`# Source: ${path.basename(CHART_DIR)}/crds/`);
  const join = (ds: string[]) => ds.map((d) => `---\n${d}`).join('');
  const crds = join(docs.filter(isCrd));
  const objects = join(docs.filter((d) => !isCrd(d)));
  // kubectl apply -f <dir> reads the files in name order: the namespace before what lives in it.
  return new Map([
    ['00-namespace.yaml', namespace],
    ['01-crds.yaml', HEADER('CustomResourceDefinitions (upgrade with kubectl apply --server-side -f deploy/01-crds.yaml).') + crds],
    ['02-ix-operator.yaml', HEADER('RBAC, the operator Deployment and metrics Service, the node agent DaemonSet.') + objects],
  ]);
}

/** The .yaml files directly in deploy/ (samples/ is a directory of examples, not applied by `kubectl apply -f deploy/`). */
export function deployFilesOnDisk(): Map<string, string> {
  return new Map(fs.readdirSync(DEPLOY_DIR, { withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith('.yaml'))
    .map((e) => e.name).sort()
    .map((f) => [f, fs.readFileSync(path.join(DEPLOY_DIR, f), 'utf8')]));
}

async function main(): Promise<void> {
  const { helm } = await ensureBinaries({ onProgress: (l) => console.error(l) });
  syncChartCrds();
  console.log('copied crds/ to charts/ix-operator/crds/');
  const files = renderDeploy(helm);
  for (const f of deployFilesOnDisk().keys()) if (!files.has(f)) fs.rmSync(path.join(DEPLOY_DIR, f));
  for (const [f, text] of files) {
    fs.writeFileSync(path.join(DEPLOY_DIR, f), text);
    console.log(`wrote deploy/${f}`);
  }
}

// Run only as a script: the test imports renderDeploy from here.
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((e: unknown) => {
    console.error(`error: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  });
}
