// The part of a kubelet that end-to-end tests need, for the pods of one Dataplane on kwok nodes:
// each pod that kwok reports Running on a 127/8 pod IP gets a real `ixctl run` process with the
// pod's own arguments (only file paths are local), its control token from the Secret the operator
// made, and its annotations file (downward API) kept current; a pod that is deleted gets SIGTERM,
// as a kubelet would send it; and the container resources a kubelet reports, so that an in-place
// resize (ADR 0018) is accepted and actuated as a kubelet would. So the operator talks to pod IPs
// exactly as in a cluster.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { repoRoot } from '../../src/lib/paths.ts';
import { waitFor } from '../../src/lib/kube.ts';
import type { TestCluster } from './cluster.ts';

export interface RealPod {
  name: string;
  uid: string;
  ip: string;
  process: ChildProcess;
  /** Everything the process wrote to stderr. */
  log: string;
  exited: boolean;
}

const SYNC_MS = 200;
const mergePatch = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);

export class RealDataplanes {
  readonly pods = new Map<string, RealPod>();
  private readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ix-real-dp-'));
  private running = true;
  private readonly loop: Promise<void>;
  private readonly annotations = new Map<string, string>();
  private failure?: Error;

  constructor(private readonly tc: TestCluster, private readonly dataplane: string) {
    this.loop = this.sync();
    // Also when a test fails before its own stop(): its processes and this loop would keep the
    // test file from ever exiting (CI hung on a failed Karpenter test that way). stop() is idempotent.
    tc.onCleanup(() => this.stop());
  }

  /** Pods with a live process, by name. */
  live(): RealPod[] {
    return [...this.pods.values()].filter((p) => !p.exited);
  }

  /** Waits until `count` pods have a process that answers /readyz on its pod IP. */
  async waitReady(count: number, timeoutMs = 60_000): Promise<RealPod[]> {
    return waitFor(`${count} real dataplane process(es) of ${this.dataplane} ready`, async () => {
      if (this.failure) throw this.failure;
      const live = this.live();
      if (live.length !== count) return undefined;
      const ready = await Promise.all(live.map(async (p) => (await fetch(`http://${p.ip}:9121/readyz`).catch(() => undefined))?.ok === true));
      return ready.every(Boolean) ? live : undefined;
    }, timeoutMs, 200);
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
    await Promise.all(this.live().map((p) => stopProcess(p)));
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  private async sync(): Promise<void> {
    while (this.running) {
      try {
        await this.round();
      } catch (e) {
        // The API server may be slow for a moment; a lasting failure shows in waitReady.
        this.failure = e instanceof Error ? e : new Error(String(e));
      }
      await new Promise((r) => setTimeout(r, SYNC_MS));
    }
  }

  private async round(): Promise<void> {
    const list = await this.tc.core.listNamespacedPod({ namespace: this.tc.namespace, labelSelector: `ix.dev/dataplane=${this.dataplane}` });
    this.failure = undefined;
    const present = new Set<string>();
    for (const pod of list.items) {
      const name = pod.metadata!.name!;
      present.add(name);
      if (pod.metadata?.deletionTimestamp) {
        const p = this.pods.get(name);
        if (p && !p.exited) void stopProcess(p);
        continue;
      }
      this.writeAnnotations(pod);
      if (pod.status?.phase === 'Running') await this.reportResources(pod);
      // Replicas keep their names through a replacement (ADR 0012): a pod of a known name with
      // another UID is a new pod, started once the old one's process is gone.
      const known = this.pods.get(name);
      if (known && known.uid !== pod.metadata!.uid && !known.exited) void stopProcess(known);
      const startable = !known || (known.uid !== pod.metadata!.uid && known.exited);
      if (startable && pod.status?.phase === 'Running' && pod.status.podIP?.startsWith('127.')) this.pods.set(name, await this.start(pod));
    }
    for (const [name, p] of this.pods) if (!present.has(name) && !p.exited) void stopProcess(p);
  }

  /**
   * What a kubelet with in-place resize reports of each running container: the resources it
   * applied (the apiserver admits a resize only for pods whose containers report them) and, after a
   * resize, the new ones as allocated. kwok's pod stages report neither.
   */
  private async reportResources(pod: k8s.V1Pod): Promise<void> {
    const statuses = pod.status?.containerStatuses ?? [];
    const want = (pod.spec?.containers ?? []).map((c) => ({ name: c.name, resources: c.resources ?? {} }));
    const current = statuses.map((cs) => ({ name: cs.name, resources: cs.resources ?? {} }));
    if (!statuses.length || JSON.stringify(want) === JSON.stringify(current)) return;
    const containerStatuses = statuses.map((cs) => {
      const spec = want.find((w) => w.name === cs.name)?.resources ?? {};
      return { ...cs, resources: spec, allocatedResources: spec.requests ?? {} };
    });
    await this.tc.core.patchNamespacedPodStatus({ name: pod.metadata!.name!, namespace: this.tc.namespace, body: { status: { containerStatuses } } }, mergePatch);
  }

  private annotationsFile(name: string): string {
    return path.join(this.dir, `${name}.annotations`);
  }

  private writeAnnotations(pod: k8s.V1Pod): void {
    const name = pod.metadata!.name!;
    const text = Object.entries(pod.metadata?.annotations ?? {}).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join('\n') + '\n';
    if (this.annotations.get(name) === text) return;
    // Atomically, as the kubelet swaps the downward-API volume's symlink.
    const file = this.annotationsFile(name);
    fs.writeFileSync(`${file}.new`, text);
    fs.renameSync(`${file}.new`, file);
    this.annotations.set(name, text);
  }

  private async start(pod: k8s.V1Pod): Promise<RealPod> {
    const name = pod.metadata!.name!;
    const secretName = pod.spec!.volumes?.find((v) => v.secret)?.secret?.secretName;
    if (!secretName) throw new Error(`pod ${name} mounts no token Secret`);
    const secret = await this.tc.core.readNamespacedSecret({ name: secretName, namespace: this.tc.namespace });
    const tokenFile = path.join(this.dir, `${name}.token`);
    fs.writeFileSync(tokenFile, Buffer.from(secret.data!['token']!, 'base64'));
    const args = [...pod.spec!.containers[0]!.args!];
    const swap = (flag: string, value: string) => {
      const i = args.indexOf(flag);
      if (i < 0) throw new Error(`pod ${name} has no ${flag} argument: ${args.join(' ')}`);
      args[i + 1] = value;
    };
    swap('--listen', pod.status!.podIP!);
    swap('--cpus-from', this.annotationsFile(name));
    swap('--token-file', tokenFile);
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'src/cli/main.ts'), ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    const real: RealPod = { name, uid: pod.metadata!.uid!, ip: pod.status!.podIP!, process: child, log: '', exited: false };
    child.stderr!.on('data', (d: Buffer) => (real.log += d.toString()));
    child.once('exit', () => (real.exited = true));
    return real;
  }
}

function stopProcess(p: RealPod): Promise<void> {
  if (p.exited) return Promise.resolve();
  const gone = new Promise<void>((resolve) => p.process.once('exit', () => resolve()));
  p.process.kill('SIGTERM');
  return gone;
}
