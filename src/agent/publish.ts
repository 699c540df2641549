// Writes what the agent owns in the API: the DataplaneNode spec (the inventory), the agent's part of
// its status (appliedCpusets, appliedLocality), and the Node's capacity for the VF extended resource. Every write is
// a server-side apply with field manager ix-agent, so an admin's or the operator's fields are left
// alone, and every write is skipped when the server already holds the value: the agent polls, and a
// resync must not turn into a write per node per minute.
import * as k8s from '@kubernetes/client-node';
import type { AppliedLocality, DataplaneNode, DataplaneNodeSpec, DataplaneNodeStatus } from '../api/dataplane-node.ts';
import { API_VERSION, GROUP, VERSION } from '../api/constants.ts';
import { httpStatusOf } from '../lib/kube.ts';
import { stableJson } from '../operator/dataplane/spec-hash.ts';
import { hardwareDrift, specNeedsWrite, type HardwareField } from './spec-diff.ts';

export const AGENT_FIELD_MANAGER = 'ix-agent';

const apply = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.ServerSideApply);
const mergePatch = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);

export class Publisher {
  private readonly custom: k8s.CustomObjectsApi;
  private readonly core: k8s.CoreV1Api;

  constructor(kc: k8s.KubeConfig, readonly nodeName: string) {
    this.custom = kc.makeApiClient(k8s.CustomObjectsApi);
    this.core = kc.makeApiClient(k8s.CoreV1Api);
  }

  async current(): Promise<DataplaneNode | undefined> {
    try {
      return (await this.custom.getClusterCustomObject({ group: GROUP, version: VERSION, plural: 'dataplanenodes', name: this.nodeName })) as DataplaneNode;
    } catch (e) {
      if (httpStatusOf(e) === 404) return undefined;
      throw e;
    }
  }

  /**
   * Applies the spec unless the server already holds it (see spec-diff.ts for what "holds" means);
   * returns the hardware lists it had to replace wholesale, or undefined when it wrote nothing.
   */
  async publishSpec(spec: DataplaneNodeSpec): Promise<HardwareField[] | undefined> {
    const existing = await this.current();
    const owner = await this.nodeOwner();
    if (!specNeedsWrite(existing?.spec, spec) && existing?.metadata.ownerReferences?.some((r) => r.uid === owner.uid)) return undefined;
    const applied = (await this.custom.patchClusterCustomObject({
      group: GROUP, version: VERSION, plural: 'dataplanenodes', name: this.nodeName, fieldManager: AGENT_FIELD_MANAGER, force: true,
      body: { apiVersion: API_VERSION, kind: 'DataplaneNode', metadata: { name: this.nodeName, ownerReferences: [owner] }, spec },
    }, apply)) as DataplaneNode;
    // Server-side apply merges list-map entries by key: entries another manager wrote (an admin's
    // CPU 63 on a 2-CPU machine) survive it. A merge patch replaces a list whole, so the lists
    // still differing are overwritten with it (null removes one the machine does not have).
    const drift = hardwareDrift(applied.spec, spec);
    if (drift.length > 0) {
      await this.custom.patchClusterCustomObject({
        group: GROUP, version: VERSION, plural: 'dataplanenodes', name: this.nodeName, fieldManager: AGENT_FIELD_MANAGER,
        body: { spec: Object.fromEntries(drift.map((f) => [f, spec[f] ?? null])) },
      }, mergePatch);
    }
    return drift;
  }

  /**
   * The inventory belongs to its Node: when the node is deleted (an autoscaler removing it, an admin),
   * the garbage collector deletes the DataplaneNode with it. Read on every publish: a node that left
   * and joined again under the same name is a new object with a new UID.
   */
  private async nodeOwner(): Promise<k8s.V1OwnerReference> {
    const node = await this.core.readNode({ name: this.nodeName });
    return { apiVersion: 'v1', kind: 'Node', name: this.nodeName, uid: node.metadata!.uid! };
  }

  /**
   * Applies status.appliedCpusets (pod → cpuset) and status.appliedLocality (pod → memory cell, VF
   * interrupts and channels) unless they are already what the server holds. The operator applies
   * the rest of the status under its own field manager and never these fields.
   */
  async publishApplied(applied: Record<string, string>, locality: AppliedLocality[] = []): Promise<boolean> {
    const existing = await this.current();
    if (!existing) throw new Error(`DataplaneNode ${this.nodeName} does not exist: the inventory must be published first`);
    if (stableJson(existing.status?.appliedCpusets ?? {}) === stableJson(applied) && stableJson(existing.status?.appliedLocality ?? []) === stableJson(locality)) return false;
    // Nothing applied: apply no field at all, so it goes with the agent's ownership. Applying {}
    // instead leaves the API server a null map, which the schema (type: object) refuses.
    const status: DataplaneNodeStatus = {};
    if (Object.keys(applied).length > 0) status.appliedCpusets = applied;
    if (locality.length > 0) status.appliedLocality = locality;
    await this.custom.patchClusterCustomObjectStatus({
      group: GROUP, version: VERSION, plural: 'dataplanenodes', name: this.nodeName, fieldManager: AGENT_FIELD_MANAGER, force: true,
      body: { apiVersion: API_VERSION, kind: 'DataplaneNode', metadata: { name: this.nodeName }, status },
    }, apply);
    return true;
  }

  /**
   * Sets the Node's capacity and allocatable for the VF extended resource to the number of VFs, the
   * way an admin advertises a node-level extended resource. Without it the scheduler's view (and the
   * pods' `resource: 1` limit) could disagree with the VFs the placer hands out.
   */
  async publishVfCapacity(resourceName: string, count: number): Promise<boolean> {
    const node = await this.core.readNode({ name: this.nodeName });
    const want = String(count);
    if (node.status?.capacity?.[resourceName] === want && node.status.allocatable?.[resourceName] === want) return false;
    await this.core.patchNodeStatus({
      name: this.nodeName, fieldManager: AGENT_FIELD_MANAGER,
      body: { status: { capacity: { [resourceName]: want }, allocatable: { [resourceName]: want } } },
    }, mergePatch);
    return true;
  }
}
