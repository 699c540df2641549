// The node agent: publishes the node's inventory and keeps the pods' cgroups on the CPUs (and
// dataplane pods on the memory cell) the operator gave them, and each dataplane's VF interrupts and
// channels on those CPUs (ADR 0013). Both loops are level-based: each pass reads the whole current state (sysfs,
// the pods bound here) and converges to it, so a missed event or a restart costs one pass, nothing
// more. A watch on the node's pods only makes the next pass come sooner.
import * as k8s from '@kubernetes/client-node';
import type { DataplaneNodeSpec } from '../api/dataplane-node.ts';
import type { Logger } from '../lib/log.ts';
import { apiErrorMessage } from '../lib/kube.ts';
import { EventRecorder } from '../operator/events.ts';
import { discoverInventory } from './discover.ts';
import { findCpusetHierarchy, type CpusetHierarchy } from './cgroups/hierarchy.ts';
import { EthtoolChannels, type ChannelControl } from './nic/ethtool.ts';
import { IrqAffinities } from './nic/procfs-irq.ts';
import { enforcePass } from './pass.ts';
import { AGENT_FIELD_MANAGER, Publisher } from './publish.ts';
import { installSeccompProfile, seccompProfilePath } from './seccomp/install.ts';
import { Sysfs } from './sysfs/read.ts';

export interface AgentOptions {
  kubeConfig: k8s.KubeConfig;
  nodeName: string;
  sysfsRoot: string;
  cgroupRoot: string;
  /** Where procfs is mounted: interrupt affinities under irq/, pods' network namespaces under <pid>/ns/net. */
  procRoot: string;
  /**
   * The kubelet's root directory: the dataplane pods' seccomp profile goes to its seccomp/ before
   * the inventory is published, and is kept there (ADR 0020). Absent: no profile is installed.
   */
  kubeletRoot?: string;
  /** Reads and sets VF channel counts; ethtool (and nsenter) as subprocesses unless given. */
  channels?: ChannelControl;
  /** Set each dataplane VF's combined channels to the pod's threads (false: leave them alone). */
  vfChannels?: boolean;
  reservedCpus?: string;
  vfResourceName?: string;
  resyncSeconds: number;
  /** Log what would be written (cgroups and API objects) and write nothing. */
  dryRun: boolean;
  /** Publish the inventory only; leave cgroups alone. */
  enforce: boolean;
  log: Logger;
}

export class NodeAgent {
  private readonly publisher: Publisher;
  private readonly core: k8s.CoreV1Api;
  private readonly events: EventRecorder;
  private spec?: DataplaneNodeSpec;
  private hierarchy?: CpusetHierarchy;
  private timer?: NodeJS.Timeout;
  private watchAbort?: AbortController;
  private stopped = false;
  private running?: Promise<void>;
  private again = false;
  private resyncPending = false;
  private debounce?: NodeJS.Timeout;
  /** Warnings given per pod UID, so a pass every minute does not repeat them as new events. */
  private readonly warned = new Map<string, Set<string>>();
  /** What was last logged about interrupts that are no dataplane's, so a resync does not repeat it. */
  private irqNotice = '';
  private readonly channels: ChannelControl;

  constructor(private readonly opts: AgentOptions) {
    this.publisher = new Publisher(opts.kubeConfig, opts.nodeName);
    this.core = opts.kubeConfig.makeApiClient(k8s.CoreV1Api);
    this.events = new EventRecorder(opts.kubeConfig, AGENT_FIELD_MANAGER, opts.log);
    this.channels = opts.channels ?? new EthtoolChannels();
  }

  /**
   * Puts the dataplane pods' seccomp profile in place (a no-op when it is there). Before the first
   * inventory: a node has no DataplaneNode, so no dataplane pod is placed on it, until its kubelet
   * can find the profile those pods name.
   */
  installSeccomp(): void {
    const { kubeletRoot, log, nodeName, dryRun } = this.opts;
    if (kubeletRoot === undefined) return;
    const outcome = installSeccompProfile(kubeletRoot, { dryRun });
    if (outcome === 'written') log.info('installed the dataplane pods\' seccomp profile', { node: nodeName, file: seccompProfilePath(kubeletRoot) });
    if (outcome === 'would-write') log.info('dry run: would install the dataplane pods\' seccomp profile', { node: nodeName, file: seccompProfilePath(kubeletRoot) });
  }

  /** Reads sysfs and publishes the DataplaneNode spec (and VF capacity) when they changed. */
  async syncInventory(): Promise<DataplaneNodeSpec> {
    const { log, nodeName, dryRun } = this.opts;
    const spec = await discoverInventory(this.opts.sysfsRoot, { reservedCpus: this.opts.reservedCpus, vfResourceName: this.opts.vfResourceName });
    this.spec = spec;
    if (dryRun) {
      log.info('dry run: would publish the inventory', { node: nodeName, cpus: spec.cpus.length, vfs: spec.vfs?.length ?? 0 });
      return spec;
    }
    const replaced = await this.publisher.publishSpec(spec);
    if (replaced) log.info('published the inventory', { node: nodeName, cpus: spec.cpus.length, cells: spec.numaCells?.length ?? 0, vfs: spec.vfs?.length ?? 0 });
    if (replaced?.length) log.warn('replaced inventory lists written by someone else with what sysfs says', { node: nodeName, fields: replaced });
    if (this.opts.vfResourceName && await this.publisher.publishVfCapacity(this.opts.vfResourceName, spec.vfs?.length ?? 0)) {
      log.info('set the VF capacity of the node', { node: nodeName, resource: this.opts.vfResourceName, vfs: spec.vfs?.length ?? 0 });
    }
    return spec;
  }

  /** One enforcement pass over every pod bound to the node. */
  async enforceOnce(): Promise<void> {
    const { log, nodeName, dryRun } = this.opts;
    const spec = this.spec ?? await this.syncInventory();
    this.hierarchy ??= await findCpusetHierarchy(this.opts.cgroupRoot);
    const pods = (await this.core.listPodForAllNamespaces({ fieldSelector: `spec.nodeName=${nodeName}` })).items;
    const result = await enforcePass(pods, spec, {
      hierarchy: this.hierarchy, sysfs: new Sysfs(this.opts.sysfsRoot), irqs: new IrqAffinities(this.opts.procRoot),
      channels: this.channels, vfChannels: this.opts.vfChannels ?? true, procRoot: this.opts.procRoot, dryRun, log,
    });
    if (result.writes > 0) log.info(dryRun ? 'dry run: cpusets and interrupts would change' : 'applied cpusets and interrupts', { node: nodeName, writes: result.writes, shared: result.shared.length });
    const notice = result.irqsUnavailable ?? result.sharedRefused.join('; ');
    if (notice !== this.irqNotice) {
      this.irqNotice = notice;
      if (result.irqsUnavailable) log.warn('interrupts are not managed: /proc/irq cannot be read', { node: nodeName, problem: result.irqsUnavailable });
      else if (notice) log.warn('the kernel refused to move interrupts of no dataplane off dedicated CPUs', { node: nodeName, irqs: notice });
    }
    const failing = new Map<string, Set<string>>();
    for (const p of result.problems) {
      const uid = p.pod.metadata?.uid ?? p.key;
      const reason = p.reason ?? 'CpusetNotApplied';
      const said = `${reason}: ${p.message}`;
      failing.set(uid, (failing.get(uid) ?? new Set<string>()).add(said));
      if (this.warned.get(uid)?.has(said)) continue;
      this.warned.set(uid, (this.warned.get(uid) ?? new Set<string>()).add(said));
      log.warn('cannot apply the CPUs, memory cell or VF settings of a pod', { pod: p.key, reason, problem: p.message });
      if (!dryRun) await this.events.record({ apiVersion: 'v1', kind: 'Pod', metadata: p.pod.metadata ?? {} }, 'Warning', reason, p.message);
    }
    // A problem that went away may come back later and is then worth an event again.
    for (const [uid, said] of this.warned) {
      const now = failing.get(uid);
      if (!now) this.warned.delete(uid);
      else for (const m of said) if (!now.has(m)) said.delete(m);
    }
    if (!dryRun) await this.publisher.publishApplied(result.appliedCpusets, result.appliedLocality);
  }

  async start(): Promise<void> {
    this.stopped = false;
    this.installSeccomp();
    await this.syncInventory();
    if (this.opts.enforce) {
      await this.enforceOnce();
      void this.watchPods();
    }
    this.timer = setInterval(() => this.kick(true), this.opts.resyncSeconds * 1000);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    if (this.debounce) clearTimeout(this.debounce);
    this.watchAbort?.abort();
    await this.running;
  }

  /** Runs a pass soon; passes never overlap, and requests during one make exactly one more. */
  private kick(resync = false): void {
    if (this.stopped) return;
    if (resync) this.resyncPending = true;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = (async () => {
      try {
        if (this.resyncPending) {
          this.resyncPending = false;
          this.installSeccomp();
          await this.syncInventory();
        }
        if (this.opts.enforce) await this.enforceOnce();
      } catch (e) {
        this.opts.log.error('node agent pass failed', { node: this.opts.nodeName, error: apiErrorMessage(e) });
      }
    })().finally(() => {
      this.running = undefined;
      if (this.again) {
        this.again = false;
        this.kick();
      }
    });
  }

  /**
   * Watches the node's pods; any change triggers a pass. Re-opened after errors, with a pause, and
   * every few minutes in any case: a watch whose TCP connection died silently never ends by itself,
   * so the server is asked to close it (timeoutSeconds) and the agent aborts it if the close never comes.
   */
  private async watchPods(): Promise<void> {
    const watch = new k8s.Watch(this.opts.kubeConfig);
    const serverTimeout = 300;
    while (!this.stopped) {
      let deadline: NodeJS.Timeout | undefined;
      let expired = false;
      const ended = new Promise<unknown>((resolve) => {
        void watch.watch('/api/v1/pods', { fieldSelector: `spec.nodeName=${this.opts.nodeName}`, timeoutSeconds: serverTimeout }, () => {
          // Events arrive in bursts (a pod's status changes several times as it starts): batch them.
          if (this.debounce) return;
          this.debounce = setTimeout(() => {
            this.debounce = undefined;
            this.kick();
          }, 100);
        }, resolve).then((abort) => {
          this.watchAbort = abort;
          deadline = setTimeout(() => {
            expired = true;
            abort.abort();
          }, (serverTimeout + 30) * 1000);
        }, resolve);
      });
      const outcome = await ended;
      // Our own abort at the deadline is a routine re-open, not a failure.
      const err = expired ? undefined : outcome;
      clearTimeout(deadline);
      if (this.stopped) return;
      if (err) this.opts.log.warn('pod watch ended', { node: this.opts.nodeName, error: apiErrorMessage(err) });
      // The watch may have missed events while it was down: a pass catches up.
      this.kick();
      await new Promise((r) => setTimeout(r, err ? 2000 : 100));
    }
  }
}
