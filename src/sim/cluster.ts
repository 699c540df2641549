import { spawn } from 'node:child_process';
import https from 'node:https';
import fs from 'node:fs';
import path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { ensureBinaries, type ControlPlaneBinaries } from './binaries.ts';
import { buildFakeNode, type FakeNodeSpec } from './fake-node.ts';
import { buildFakeInventory } from './fake-inventory.ts';
import { installCrds } from './crds.ts';
import { stopAutoscaler } from './autoscaler.ts';
import { daemonPid, stopDaemon } from './daemon.ts';
import { cacheDir } from '../lib/paths.ts';
import { freePorts } from '../lib/net.ts';
import { httpStatusOf, loadKubeConfig, waitFor } from '../lib/kube.ts';

export interface SimClusterOptions {
  /** Cluster name; also its directory under the kwok work dir. Letters, digits and dashes. */
  name: string;
  /** Fake nodes to create once the control plane answers. */
  nodes?: number;
  /** Install the ix.dev CRDs (and the NetworkAttachmentDefinition CRD) and give each fake node a DataplaneNode inventory. */
  withCrds?: boolean;
  /** Shape of those nodes (the name and index are filled in). */
  node?: Omit<FakeNodeSpec, 'name' | 'index'>;
  /** Where kwokctl keeps clusters; default ~/.cache/ix-operator/kwok. */
  workdir?: string;
  /** Progress lines for people (the CLI prints them). */
  log?: (line: string) => void;
}

/** Taints the node lifecycle controller keeps on a node while it is not (yet) Ready. */
const NODE_CONDITION_TAINTS = new Set(['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable']);

/** Where kwokctl keeps its clusters, apart from a user's own ~/.kwok. */
export function kwokWorkdir(): string {
  return path.join(cacheDir(), 'kwok');
}

/**
 * A real Kubernetes control plane (etcd, kube-apiserver, kube-controller-manager, kube-scheduler)
 * plus kwok simulating the nodes, all local processes started by `kwokctl --runtime binary` from
 * binaries we built ourselves. Every component listens on 127.0.0.1 only.
 */
export class SimCluster {
  readonly kubeConfig: k8s.KubeConfig;
  private nextNodeIndex = 0;

  private constructor(
    readonly name: string,
    readonly workdir: string,
    readonly binaries: ControlPlaneBinaries,
  ) {
    this.kubeConfig = loadKubeConfig(this.kubeconfigPath);
  }

  get dir(): string {
    return path.join(this.workdir, 'clusters', this.name);
  }

  get kubeconfigPath(): string {
    return path.join(this.dir, 'kubeconfig.yaml');
  }

  get server(): string {
    return this.kubeConfig.getCurrentCluster()?.server ?? '';
  }

  /** etcd's client URL, as kwokctl gave it to kube-apiserver (`--etcd-servers` in kwok.yaml). */
  get etcdUrl(): string {
    const m = /--etcd-servers=(\S+)/.exec(fs.readFileSync(path.join(this.dir, 'kwok.yaml'), 'utf8'));
    if (!m) throw new Error(`no --etcd-servers in ${path.join(this.dir, 'kwok.yaml')}`);
    return m[1]!.split(',')[0]!;
  }

  /** Starts a new cluster, waits until it serves requests, then creates the fake nodes. */
  static async create(opts: SimClusterOptions): Promise<SimCluster> {
    validateName(opts.name);
    const log = opts.log ?? (() => {});
    const workdir = opts.workdir ?? kwokWorkdir();
    const binaries = await ensureBinaries({ onProgress: log });
    const clusterDir = path.join(workdir, 'clusters', opts.name);
    if (fs.existsSync(clusterDir)) {
      throw new Error(`a simulated cluster named ${opts.name} exists already (${clusterDir}); delete it first`);
    }
    const [apiserver, etcd, etcdPeer, kwokPort, kcm, scheduler] = await freePorts(6);
    log(`starting control plane ${opts.name} (kube-apiserver on https://127.0.0.1:${apiserver})`);
    const config = writeKwokctlConfig(workdir, opts.name);
    const args = [
      '--name', opts.name, 'create', 'cluster',
      '--config', config,
      '--runtime', 'binary',
      '--etcd-binary', binaries.etcd,
      '--kube-apiserver-binary', binaries.kubeApiserver,
      '--kube-controller-manager-binary', binaries.kubeControllerManager,
      '--kube-scheduler-binary', binaries.kubeScheduler,
      '--kwok-controller-binary', binaries.kwok,
      '--kube-apiserver-port', String(apiserver),
      '--etcd-port', String(etcd),
      '--controller-port', String(kwokPort),
      '--kube-controller-manager-port', String(kcm),
      '--kube-scheduler-port', String(scheduler),
      // kwokctl binds every component to 0.0.0.0; nothing here needs more than loopback.
      ...extraArgs({
        // kubectl logs/exec on a real node: the apiserver dials the kubelet at its node IP (the
        // node's name resolves nowhere).
        'kube-apiserver': ['bind-address=127.0.0.1', 'kubelet-preferred-address-types=InternalIP'],
        etcd: [
          `listen-client-urls=http://127.0.0.1:${etcd}`, `advertise-client-urls=http://127.0.0.1:${etcd}`,
          `listen-peer-urls=http://127.0.0.1:${etcdPeer}`, `initial-advertise-peer-urls=http://127.0.0.1:${etcdPeer}`,
          `initial-cluster=node0=http://127.0.0.1:${etcdPeer}`,
        ],
        'kube-controller-manager': ['bind-address=127.0.0.1'],
        'kube-scheduler': ['bind-address=127.0.0.1'],
        'kwok-controller': [
          `server-address=127.0.0.1:${kwokPort}`,
          // kwok fakes only the nodes made to be fake (they carry this annotation), never a real
          // node that joins the cluster (src/sim/real-node.ts): it would fake that node's pods too.
          'manage-all-nodes=false',
          'manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake',
        ],
      }),
      // kwokctl would otherwise merge a context into the user's ~/.kube/config.
      '--kubeconfig', path.join(workdir, 'merged-kubeconfig.yaml'),
      '--wait', '120s',
    ];
    await runKwokctl(binaries.kwokctl, workdir, args).finally(() => fs.rmSync(config, { force: true }));
    const cluster = new SimCluster(opts.name, workdir, binaries);
    try {
      await cluster.waitUntilServing();
      if (opts.withCrds) {
        log('installing the CRDs');
        await cluster.installCrds();
      }
      if (opts.nodes) {
        log(`creating ${opts.nodes} fake nodes${opts.withCrds ? ' with DataplaneNode inventories' : ''}`);
        await cluster.addNodes(opts.nodes, opts.node, { inventory: !!opts.withCrds });
      }
    } catch (e) {
      await cluster.delete().catch(() => {});
      throw e;
    }
    return cluster;
  }

  /** A cluster created earlier (by another process), found by name. */
  static async open(name: string, workdir = kwokWorkdir()): Promise<SimCluster> {
    validateName(name);
    const dir = path.join(workdir, 'clusters', name);
    if (!fs.existsSync(path.join(dir, 'kubeconfig.yaml'))) throw new Error(`no simulated cluster named ${name} in ${workdir}`);
    const cluster = new SimCluster(name, workdir, await ensureBinaries());
    // Continue node numbering after the nodes that exist, so added nodes get fresh pod CIDRs.
    const nodes = await cluster.kubeConfig.makeApiClient(k8s.CoreV1Api).listNode().catch(() => ({ items: [] as k8s.V1Node[] }));
    cluster.nextNodeIndex = Math.max(-1, ...nodes.items.map((n) => Number(/^kwok-node-(\d+)$/.exec(n.metadata?.name ?? '')?.[1] ?? -1))) + 1;
    return cluster;
  }

  /** Names of the clusters in the work dir. */
  static list(workdir = kwokWorkdir()): string[] {
    const dir = path.join(workdir, 'clusters');
    return fs.existsSync(dir) ? fs.readdirSync(dir).filter((n) => fs.existsSync(path.join(dir, n, 'kubeconfig.yaml'))) : [];
  }

  /** Waits for /readyz, the default namespace's service account (pods need it) and kwok's stages. */
  async waitUntilServing(timeoutMs = 120_000): Promise<void> {
    const core = this.kubeConfig.makeApiClient(k8s.CoreV1Api);
    await waitFor('the API server to be ready', async () => {
      const res = await fetchReadyz(this.kubeConfig);
      return res ? true : undefined;
    }, timeoutMs);
    await waitFor('the default service account', async () => {
      await core.readNamespacedServiceAccount({ name: 'default', namespace: 'default' });
      return true;
    }, timeoutMs);
  }

  async installCrds(): Promise<void> {
    await installCrds(this.binaries.kubectl, this.kubeconfigPath, this.kubeConfig);
  }

  /**
   * Creates `count` fake nodes; names are `kwok-node-<index>`, pod CIDRs by index in 127.0.0.0/8.
   * With `inventory`, each also gets the DataplaneNode its node agent would publish (CRDs needed).
   */
  async addNodes(count: number, shape: Omit<FakeNodeSpec, 'name' | 'index'> = {}, opts: { inventory?: boolean } = {}): Promise<string[]> {
    const core = this.kubeConfig.makeApiClient(k8s.CoreV1Api);
    const custom = this.kubeConfig.makeApiClient(k8s.CustomObjectsApi);
    const names: string[] = [];
    const pending: Promise<unknown>[] = [];
    for (let i = 0; i < count; i++) {
      const index = this.nextNodeIndex++;
      const node = buildFakeNode({ ...shape, name: `kwok-node-${index}`, index });
      names.push(node.metadata!.name!);
      const ignoreExisting = (e: unknown) => {
        if (httpStatusOf(e) !== 409) throw e;
      };
      pending.push(core.createNode({ body: node }).catch(ignoreExisting));
      if (opts.inventory) {
        const inventory = buildFakeInventory({ name: node.metadata!.name!, cpus: shape.cpus ?? 64, vfs: shape.vfs ?? 16 });
        pending.push(custom.createClusterCustomObject({ group: 'ix.dev', version: 'v1alpha1', plural: 'dataplanenodes', body: inventory }).catch(ignoreExisting));
      }
      if (pending.length >= 20) await Promise.all(pending.splice(0));
    }
    await Promise.all(pending);
    return names;
  }

  /**
   * Waits until every named node reports Ready=True (kwok's node stage) and the node lifecycle
   * controller has taken its not-ready taint off again. It puts that taint on every new node and
   * lifts it on its next pass after Ready, seconds later; until then no scheduler may use the node
   * (ours refuses untolerated NoSchedule taints as kube-scheduler does), so a test that placed pods
   * at once found only the nodes whose taint happened to be gone.
   */
  async waitForNodesReady(names: string[], timeoutMs = 60_000): Promise<void> {
    const core = this.kubeConfig.makeApiClient(k8s.CoreV1Api);
    const want = new Set(names);
    await waitFor(`${names.length} nodes to be Ready and untainted`, async () => {
      const list = await core.listNode();
      const ready = list.items.filter((n) => want.has(n.metadata?.name ?? '') &&
        n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') &&
        !(n.spec?.taints ?? []).some((t) => NODE_CONDITION_TAINTS.has(t.key)));
      return ready.length === want.size ? true : undefined;
    }, timeoutMs);
  }

  /**
   * Stops every process of the cluster (etcd, kube-apiserver, the controllers, kwok) and starts them
   * again on the same ports and data: what an apiserver restart looks like to its clients.
   */
  async restart(): Promise<void> {
    await this.stopKwokController();
    await this.dropFakeNodeLeases();
    await runKwokctl(this.binaries.kwokctl, this.workdir, ['--name', this.name, 'stop', 'cluster']);
    await runKwokctl(this.binaries.kwokctl, this.workdir, ['--name', this.name, 'start', 'cluster', '--wait', '120s']);
    await this.waitUntilServing();
  }

  /**
   * kwok-controller alone, first, so that nothing renews the fake nodes' Leases once they are
   * dropped. kwokctl copies the binary into the cluster's bin/ under the component's name and keeps
   * its pid in pids/kwok-controller.pid; with the file gone, `kwokctl stop cluster` takes the
   * controller as stopped and stops the rest.
   */
  private async stopKwokController(): Promise<void> {
    const pids = path.join(this.dir, 'pids');
    if (!daemonPid(pids, 'kwok-controller')) throw new Error(`kwok-controller of cluster ${this.name} is not running (no live pid in ${path.join(pids, 'kwok-controller.pid')})`);
    await stopDaemon(pids, 'kwok-controller');
  }

  /**
   * kwok holds each fake node through its Lease in kube-node-lease (200 s, kwokctl's default); a
   * restarted kwok is another holder (its identity is the hostname and a fresh UUID) and leaves
   * those nodes' pods alone (Pending) until the old leases expire. Dropped once the old kwok is
   * gone (a running one recreates a Lease it finds missing at its next renewal, still as the old
   * holder: a restart in CI lost a node that way), the new kwok creates them afresh and manages
   * every node at once.
   */
  private async dropFakeNodeLeases(): Promise<void> {
    const core = this.kubeConfig.makeApiClient(k8s.CoreV1Api);
    const leases = this.kubeConfig.makeApiClient(k8s.CoordinationV1Api);
    const fake = (await core.listNode()).items.filter((n) => n.metadata?.annotations?.['kwok.x-k8s.io/node'] === 'fake');
    await Promise.all(fake.map((n) => leases.deleteNamespacedLease({ name: n.metadata!.name!, namespace: 'kube-node-lease' }).catch((e: unknown) => {
      if (httpStatusOf(e) !== 404) throw e;
    })));
  }

  /** Stops every process of the cluster (its autoscaler's too) and removes its directory. */
  async delete(): Promise<void> {
    // An autoscaler beside it (sim up --autoscaler, a test's Karpenter) would outlive the cluster.
    await stopAutoscaler(this);
    await runKwokctl(this.binaries.kwokctl, this.workdir, ['--name', this.name, 'delete', 'cluster',
      '--kubeconfig', path.join(this.workdir, 'merged-kubeconfig.yaml')]);
  }
}

/**
 * `--extra-args component=key=value` flags, each component's first argument before any second one.
 * kwokctl v0.8.0 files a component's later arguments under the position of its first flag instead
 * of its place in the list of components (cluster.go, mutationComponentPatches), and panics or
 * patches the wrong component unless the first flags come in component order, one each.
 */
export function extraArgs(byComponent: Record<string, string[]>): string[] {
  const components = Object.entries(byComponent);
  const firsts = components.map(([c, args]) => ['--extra-args', `${c}=${args[0]}`]);
  const rest = components.flatMap(([c, args]) => args.slice(1).map((a) => ['--extra-args', `${c}=${a}`]));
  return [...firsts, ...rest].flat();
}

/** kube-apiserver's default Service range (kwokctl sets none). */
export const SERVICE_RANGE = '10.0.0.0/24';
/**
 * The address of the `kubernetes` Service, the first of the range. Pods on a real node reach the
 * apiserver through it (real-node-routes.ts), as in-cluster clients do everywhere.
 */
export const KUBERNETES_SERVICE_IP = '10.0.0.1';

/**
 * kwokctl's own configuration for one cluster, in place of the user's ~/.kwok/kwok.yaml. The
 * apiserver's certificate must name the `kubernetes` Service's address: in-cluster clients (the
 * operator and the agent in pods on a real node) connect to it and check the name. kwokctl's PKI
 * names only the host's addresses unless told.
 */
function writeKwokctlConfig(workdir: string, name: string): string {
  fs.mkdirSync(workdir, { recursive: true });
  const file = path.join(workdir, `${name}.kwokctl.yaml`);
  fs.writeFileSync(file, [
    'apiVersion: config.kwok.x-k8s.io/v1alpha1',
    'kind: KwokctlConfiguration',
    'options:',
    `  kubeApiserverCertSANs: [${JSON.stringify(KUBERNETES_SERVICE_IP)}]`,
    '',
  ].join('\n'));
  return file;
}

function validateName(name: string): void {
  if (!/^[a-z0-9]([a-z0-9-]{0,40}[a-z0-9])?$/.test(name)) {
    throw new Error(`cluster name ${JSON.stringify(name)} must be lower-case letters, digits and dashes (at most 42)`);
  }
}

async function fetchReadyz(kc: k8s.KubeConfig): Promise<boolean> {
  const cluster = kc.getCurrentCluster();
  if (!cluster) return false;
  const opts: https.RequestOptions = {};
  await kc.applyToHTTPSOptions(opts);
  return new Promise((resolve) => {
    const req = https.request(new URL('/readyz', cluster.server), { ...opts, method: 'GET', timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

function runKwokctl(kwokctl: string, workdir: string, args: string[]): Promise<void> {
  fs.mkdirSync(workdir, { recursive: true });
  return new Promise((resolve, reject) => {
    const child = spawn(kwokctl, args, {
      env: { ...process.env, KWOK_WORKDIR: workdir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve();
      else reject(new Error(`kwokctl ${args.slice(0, 4).join(' ')} failed (exit ${code}):\n${output.split('\n').slice(-20).join('\n')}`));
    });
  });
}
