// The node agent: publishes the node's inventory and keeps the pods' cgroups on the CPUs the
// operator gave them. Both loops are level-based: each pass reads the whole current state (sysfs,
// the pods bound here) and converges to it, so a missed event or a restart costs one pass, nothing
// more. A watch on the node's pods only makes the next pass come sooner.
import * as k8s from '@kubernetes/client-node';
import type { DataplaneNodeSpec } from '../api/dataplane-node.ts';
import type { Logger } from '../lib/log.ts';
import { apiErrorMessage } from '../lib/kube.ts';
import { EventRecorder } from '../operator/events.ts';
import { discoverInventory } from './discover.ts';
import { enforce } from './enforcer.ts';
import { findCpusetHierarchy, type CpusetHierarchy } from './cgroups/hierarchy.ts';
import { planCpusets } from './plan.ts';
import { AGENT_FIELD_MANAGER, Publisher } from './publish.ts';

export interface AgentOptions {
  kubeConfig: k8s.KubeConfig;
  nodeName: string;
  sysfsRoot: string;
  cgroupRoot: string;
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
  /** Last warning given per pod UID, so a pass every minute does not repeat it as a new event. */
  private readonly warned = new Map<string, string>();

  constructor(private readonly opts: AgentOptions) {
    this.publisher = new Publisher(opts.kubeConfig, opts.nodeName);
    this.core = opts.kubeConfig.makeApiClient(k8s.CoreV1Api);
    this.events = new EventRecorder(opts.kubeConfig, AGENT_FIELD_MANAGER, opts.log);
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
    const plan = planCpusets(pods, spec.cpus.map((c) => c.id));
    const result = await enforce(plan, { hierarchy: this.hierarchy, dryRun, log });
    if (result.writes > 0) log.info(dryRun ? 'dry run: cpusets would change' : 'applied cpusets', { node: nodeName, writes: result.writes, shared: plan.shared.length });
    const failing = new Set<string>();
    for (const p of result.problems) {
      const uid = p.pod.metadata?.uid ?? p.key;
      failing.add(uid);
      if (this.warned.get(uid) === p.message) continue;
      this.warned.set(uid, p.message);
      log.warn('cannot apply the CPUs of a pod', { pod: p.key, problem: p.message });
      if (!dryRun) await this.events.record({ apiVersion: 'v1', kind: 'Pod', metadata: p.pod.metadata ?? {} }, 'Warning', 'CpusetNotApplied', p.message);
    }
    for (const uid of this.warned.keys()) if (!failing.has(uid)) this.warned.delete(uid);
    if (!dryRun) await this.publisher.publishApplied(result.applied);
  }

  async start(): Promise<void> {
    this.stopped = false;
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
