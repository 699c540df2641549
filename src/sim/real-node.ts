// A real node beside the kwok nodes of a simulated cluster: a kubelet (built like the control
// plane, the same version), Debian's containerd and runc, and Debian's CNI plugins (bridge for pod
// networking; host-device, the plugin the per-pod VF attachment names, is among them). Pods run in
// real containers in real cgroups on this machine, so what the kernel enforces (cpuset, CFS quota)
// can be read back. Pod addresses live on a bridge this harness creates; nothing else is routed.
// See docs/adr/0017-real-test-node.md for the settings and why each matters on these machines.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { waitFor } from '../lib/kube.ts';
import { SERVICE_RANGE, type SimCluster } from './cluster.ts';
import { freePorts } from '../lib/net.ts';
import { daemonLogTail, daemonPid, spawnDaemon, stopDaemon } from './daemon.ts';
import { IPTABLES, removeKubernetesServiceRoute, routeKubernetesService } from './real-node-routes.ts';

export interface RealNodeOptions {
  /** The node's name (default ix-real-node). */
  name?: string;
  /** Bridge and subnet of the pod network: the node's IP is .1, pods get .10 to .250. */
  bridge?: string;
  subnetPrefix?: string;
  /** OCI archives (oci-archive tarballs) to import into the node's containerd before it starts. */
  images?: string[];
  /** The sandbox (pause) image, one of `images`. */
  sandboxImage?: string;
  log?: (line: string) => void;
}

const CNI_BIN_DIR = '/usr/lib/cni';
const RUNC = '/usr/sbin/runc';

export class RealNode {
  private constructor(
    readonly name: string,
    readonly dir: string,
    readonly nodeIp: string,
    readonly bridge: string,
    private readonly cluster: SimCluster,
    private readonly log: (line: string) => void,
  ) {}

  get containerdSocket(): string {
    return path.join(this.dir, 'containerd.sock');
  }

  /**
   * Starts containerd and the kubelet, imports the images, and waits until the node is Ready. Its
   * processes outlive this one (pid files in its directory): `RealNode.list` finds them again, so
   * `ixctl sim up --real-node` can return and `ixctl sim down` stop the node.
   */
  static async start(cluster: SimCluster, opts: RealNodeOptions = {}): Promise<RealNode> {
    requireTools();
    const name = opts.name ?? 'ix-real-node';
    const prefix = opts.subnetPrefix ?? '10.213.0';
    const bridge = opts.bridge ?? 'ixbr0';
    const dir = nodeDir(cluster, name);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'node.json'), JSON.stringify({ name, nodeIp: `${prefix}.1`, bridge }));
    const node = new RealNode(name, dir, `${prefix}.1`, bridge, cluster, opts.log ?? (() => {}));
    try {
      node.makeBridge(prefix);
      routeKubernetesService(bridge, Number(new URL(cluster.server).port));
      node.writeCniConfig(prefix);
      await node.startContainerd(opts.sandboxImage ?? 'ix.local/pause:1');
      for (const archive of opts.images ?? []) node.ctr(['images', 'import', '--all-platforms', archive]);
      await node.startKubelet();
      await node.waitReady();
    } catch (err) {
      await node.stop().catch(() => {});
      throw err;
    }
    return node;
  }

  /** The real nodes of a cluster, started earlier by this process or another. */
  static list(cluster: SimCluster): RealNode[] {
    const root = path.join(os.tmpdir(), 'ix-node');
    if (!fs.existsSync(root)) return [];
    return fs.readdirSync(root).filter((d) => d.startsWith(`${cluster.name}-`) && fs.existsSync(path.join(root, d, 'node.json'))).map((d) => {
      const meta = JSON.parse(fs.readFileSync(path.join(root, d, 'node.json'), 'utf8')) as { name: string; nodeIp: string; bridge: string };
      return new RealNode(meta.name, path.join(root, d), meta.nodeIp, meta.bridge, cluster, () => {});
    });
  }

  /** Runs ctr against this node's containerd in the namespace the kubelet uses. */
  ctr(args: string[]): string {
    const r = spawnSync('ctr', ['--address', this.containerdSocket, '--namespace', 'k8s.io', ...args], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`ctr ${args.join(' ')}: ${r.stderr.trim() || r.error?.message}`);
    return r.stdout;
  }

  private makeBridge(prefix: string): void {
    ip(['link', 'del', this.bridge], true);
    ip(['link', 'add', this.bridge, 'type', 'bridge']);
    ip(['addr', 'add', `${prefix}.1/24`, 'dev', this.bridge]);
    ip(['link', 'set', this.bridge, 'up']);
  }

  private writeCniConfig(prefix: string): void {
    const conf = path.join(this.dir, 'cni', 'net.d');
    fs.mkdirSync(conf, { recursive: true });
    fs.writeFileSync(path.join(conf, '10-ix-bridge.conflist'), JSON.stringify({
      cniVersion: '1.0.0',
      name: 'ix-test-pods',
      plugins: [
        {
          type: 'bridge', bridge: this.bridge, isGateway: true, ipMasq: false, hairpinMode: true,
          // The pods' one route off the bridge: to the Service range, where the harness translates
          // the kubernetes Service to the apiserver (real-node-routes.ts). Nothing else leaves.
          ipam: {
            type: 'host-local', ranges: [[{ subnet: `${prefix}.0/24`, rangeStart: `${prefix}.10`, rangeEnd: `${prefix}.250`, gateway: `${prefix}.1` }]],
            routes: [{ dst: SERVICE_RANGE }], dataDir: path.join(this.dir, 'cni', 'ipam'),
          },
        },
        { type: 'portmap', capabilities: { portMappings: true } },
      ],
    }, null, 2));
  }

  private async startContainerd(sandboxImage: string): Promise<void> {
    const config = path.join(this.dir, 'containerd.toml');
    fs.writeFileSync(config, [
      'version = 2',
      `root = ${JSON.stringify(path.join(this.dir, 'containerd', 'root'))}`,
      `state = ${JSON.stringify(path.join(this.dir, 'containerd', 'state'))}`,
      '[grpc]',
      `  address = ${JSON.stringify(this.containerdSocket)}`,
      '[plugins."io.containerd.grpc.v1.cri"]',
      `  sandbox_image = ${JSON.stringify(sandboxImage)}`,
      // Root here lacks CAP_SYS_RESOURCE: no process may lower its oom_score_adj, and runc fails
      // every sandbox unless containerd keeps the adjustments at or above its own.
      '  restrict_oom_score_adj = true',
      '  enable_selinux = false',
      '  [plugins."io.containerd.grpc.v1.cri".cni]',
      `    bin_dir = ${JSON.stringify(CNI_BIN_DIR)}`,
      `    conf_dir = ${JSON.stringify(path.join(this.dir, 'cni', 'net.d'))}`,
      '  [plugins."io.containerd.grpc.v1.cri".containerd]',
      // overlayfs: a container shares its image's layers. The native snapshotter copies the whole
      // image per layer on import and again per container: over the CRI's 2-minute deadline for
      // the operator image while another container was being made.
      '    snapshotter = "overlayfs"',
      '    default_runtime_name = "runc"',
      '  [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]',
      '    runtime_type = "io.containerd.runc.v2"',
      '  [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]',
      '    SystemdCgroup = false',
      `    BinaryName = ${JSON.stringify(RUNC)}`,
      '',
    ].join('\n'));
    spawnDaemon({ dir: this.dir, what: 'containerd', file: 'containerd', args: ['--config', config] });
    await waitFor('containerd to serve', async () => (spawnSync('ctr', ['--address', this.containerdSocket, 'version'], { stdio: 'ignore' }).status === 0 ? true : undefined), 30_000, 200);
  }

  private async startKubelet(): Promise<void> {
    const [port, healthz] = await freePorts(2);
    const config = path.join(this.dir, 'kubelet.yaml');
    fs.writeFileSync(config, JSON.stringify({
      apiVersion: 'kubelet.config.k8s.io/v1beta1',
      kind: 'KubeletConfiguration',
      address: this.nodeIp,
      port,
      readOnlyPort: 0,
      healthzBindAddress: '127.0.0.1',
      healthzPort: healthz,
      cgroupDriver: 'cgroupfs',
      // Kubernetes 1.35+ refuses cgroup v1 unless told; these machines mount v1 (hybrid).
      failCgroupV1: false,
      failSwapOn: false,
      // The node agent pins cpusets; the static CPU manager would fight it and forbids resizes.
      cpuManagerPolicy: 'none',
      enforceNodeAllocatable: ['pods'],
      containerRuntimeEndpoint: `unix://${this.containerdSocket}`,
      authentication: { anonymous: { enabled: true }, webhook: { enabled: false } },
      authorization: { mode: 'AlwaysAllow' },
      // A small shared disk: evict only when it is really full.
      evictionHard: { 'memory.available': '100Mi', 'nodefs.available': '1%', 'imagefs.available': '1%', 'nodefs.inodesFree': '1%' },
      imageGCHighThresholdPercent: 100,
      imageGCLowThresholdPercent: 99,
      serializeImagePulls: false,
      rootDir: path.join(this.dir, 'kubelet'),
      podLogsDir: path.join(this.dir, 'pod-logs'),
      registerNode: true,
      syncFrequency: '5s',
      nodeStatusUpdateFrequency: '5s',
    }, null, 2));
    spawnDaemon({ dir: this.dir, what: 'kubelet', file: this.cluster.binaries.kubelet, args: [
      '--config', config,
      '--kubeconfig', this.cluster.kubeconfigPath,
      '--hostname-override', this.name,
      '--node-ip', this.nodeIp,
      '--root-dir', path.join(this.dir, 'kubelet'),
      '--v', '1',
    ] });
  }

  private async waitReady(): Promise<void> {
    const core = this.cluster.kubeConfig.makeApiClient(k8s.CoreV1Api);
    await waitFor(`the real node ${this.name} to be Ready`, async () => {
      if (!daemonPid(this.dir, 'kubelet')) {
        throw new Error(`the kubelet exited; the end of its log:\n${daemonLogTail(this.dir, 'kubelet', 15)}`);
      }
      const n = await core.readNode({ name: this.name });
      return n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ? true : undefined;
    }, 120_000, 500);
  }

  /**
   * Stops the kubelet, every container it left running, containerd and the bridge. Kubelet leaves
   * its containers behind when it stops (they must survive its restarts), so they are removed here.
   */
  async stop(): Promise<void> {
    await stopDaemon(this.dir, 'kubelet');
    if (fs.existsSync(this.containerdSocket) && daemonPid(this.dir, 'containerd')) {
      for (const task of this.ctr(['tasks', 'list', '-q']).split('\n').filter(Boolean)) {
        spawnSync('ctr', ['--address', this.containerdSocket, '-n', 'k8s.io', 'tasks', 'kill', '-s', 'SIGKILL', task], { stdio: 'ignore' });
      }
      await waitFor('the node\'s containers to stop', async () => (this.ctr(['tasks', 'list', '-q']).trim() === '' ? true : undefined), 20_000, 200).catch(() => {});
      for (const task of this.ctr(['tasks', 'list', '-q']).split('\n').filter(Boolean)) {
        spawnSync('ctr', ['--address', this.containerdSocket, '-n', 'k8s.io', 'tasks', 'delete', '-f', task], { stdio: 'ignore' });
      }
    }
    await stopDaemon(this.dir, 'containerd');
    // The shims outlive containerd by design; ours are the ones started with our socket.
    spawnSync('pkill', ['-KILL', '-f', `containerd-shim.*${this.containerdSocket}`], { stdio: 'ignore' });
    for (const ns of fs.existsSync('/var/run/netns') ? fs.readdirSync('/var/run/netns') : []) {
      if (ns.startsWith('cni-')) ip(['netns', 'del', ns], true);
    }
    unmountBelow(this.dir);
    removeKubernetesServiceRoute(this.bridge);
    ip(['link', 'del', this.bridge], true);
    // The unpacked images and the pods' volumes go; the logs stay for whoever looks after a failure.
    for (const d of ['containerd', 'kubelet', 'node.json']) fs.rmSync(path.join(this.dir, d), { recursive: true, force: true });
    const core = this.cluster.kubeConfig.makeApiClient(k8s.CoreV1Api);
    await core.deleteNode({ name: this.name }).catch(() => {});
  }
}

function requireTools(): void {
  const missing = ['containerd', 'ctr', 'ip'].filter((t) => spawnSync('sh', ['-c', `command -v ${t}`], { stdio: 'ignore' }).status !== 0);
  if (!fs.existsSync(RUNC)) missing.push('runc');
  if (!fs.existsSync(path.join(CNI_BIN_DIR, 'bridge'))) missing.push('containernetworking-plugins');
  if (!fs.existsSync(IPTABLES)) missing.push('iptables');
  if (missing.length) throw new Error(`the real node needs ${missing.join(', ')} (Debian: apt-get install containerd runc containernetworking-plugins iproute2 iptables; npm run setup:test installs them)`);
  if (process.getuid?.() !== 0) throw new Error('the real node needs root (cgroups, network namespaces, a bridge)');
}

function ip(args: string[], mayFail = false): void {
  const r = spawnSync('ip', args, { encoding: 'utf8' });
  if (r.status !== 0 && !mayFail) throw new Error(`ip ${args.join(' ')}: ${r.stderr.trim()}`);
}

function unmountBelow(dir: string): void {
  const mounts = fs.readFileSync('/proc/self/mounts', 'utf8').split('\n').map((l) => l.split(' ')[1] ?? '').filter((m) => m.startsWith(dir));
  for (const m of mounts.sort((a, b) => b.length - a.length)) spawnSync('umount', ['-l', m], { stdio: 'ignore' });
}

/**
 * Short: the kubelet and containerd make unix sockets below it, and a socket's path must fit in 108
 * bytes (a cluster's directory under ~/.cache is already most of that).
 */
function nodeDir(cluster: SimCluster, name: string): string {
  return path.join(os.tmpdir(), 'ix-node', `${cluster.name}-${name}`);
}
