// The one owner of who holds which CPU and VF, for the whole operator: the Dataplane reconciler
// places replicas through it, the rebalancer grows and shrinks grants through it, the DataplaneNode
// reconciler reads node summaries from it. It subscribes to the pod, Node and DataplaneNode
// informers itself (nobody else bumps its version or tells it a pod is gone).
//
// What it holds is derived, never a second truth: the pods' annotations (allocations.ts) plus the
// allocations it has just handed out and the cache does not show yet (allocator.ts, kube-scheduler's
// assume cache). The placement inputs are rebuilt from the caches only when an event moved them;
// between events every decision is pushed into them, so the next decision sees it.
//
// Decisions are synchronous from reading the state to assuming the result: reconciles running
// concurrently (several workers, each awaiting API calls) can never place on the same CPUs, since
// JavaScript runs each block to its end before any other resumes (docs/adr/0004).
import type { V1Node, V1Pod } from '@kubernetes/client-node';
import type { DataplaneNode } from '../api/dataplane-node.ts';
import type { Logger } from '../lib/log.ts';
import { Placer, type Allocation, type PlacementNode, type PlacementOutcome, type PlacementRequest } from './placement/index.ts';
import { Allocator } from './allocator.ts';
import type { AllocationView } from './allocations.ts';
import type { Cache } from './cache.ts';
import { placementNodes } from './inventory.ts';
import type { OperatorMetrics } from './metrics.ts';
import type { InformerHandlers } from './runtime/informer.ts';
import { keyOf } from './dataplane/names.ts';
import { allocationOfPod } from './allocations.ts';
import { PlacementInputs, inventoryPlacementInput, nodePlacementInput, podPlacementInput } from './placement-inputs.ts';

/** A cache whose changes can be heard (a SupervisedInformer; a fake in tests). */
export interface WatchedCache<T> extends Cache<T> {
  addHandlers(handlers: InformerHandlers<T>): void;
}

export interface AllocationBookDeps {
  /** Every pod of the cluster: ordinary pods' CPU requests bound what can be dedicated on a node. */
  pods: WatchedCache<V1Pod>;
  nodes: WatchedCache<V1Node>;
  dataplaneNodes: WatchedCache<DataplaneNode>;
  metrics: Pick<OperatorMetrics, 'invalidAllocations' | 'placements' | 'placementFailures'>;
  log: Logger;
}

/** What the rebalancer needs: read the placement state and claim CPUs in one synchronous step. */
export interface PlacementAccess {
  snapshot(): { nodes: readonly PlacementNode[]; allocations: readonly Allocation[] };
  /** The pod now holds `allocation` (a grow): later placements and the next rounds see it at once. */
  claim(allocation: Allocation): void;
  /** A claim whose write failed: the pod holds what its annotations say, nothing assumed. */
  forget(podKey: string): void;
}

/** The placer's inputs at one cache version, and the placer over them once something was placed. */
interface PlacementState {
  version: number;
  nodes: PlacementNode[];
  allocations: Allocation[];
  placer?: Placer;
}

export class AllocationBook implements PlacementAccess {
  private readonly allocator = new Allocator();
  /** Moves on every event that changes what the placer reads (placement-inputs.ts): the inputs are stale. */
  private version = 0;
  private state?: PlacementState;
  private readonly podInputs = new PlacementInputs<V1Pod>(podPlacementInput, keyOf);
  private readonly changeListeners: (() => void)[] = [];

  constructor(private readonly d: AllocationBookDeps) {
    const moved = () => {
      this.version++;
      for (const listener of this.changeListeners) listener();
    };
    d.pods.addHandlers({
      onAdd: (pod) => {
        // The add of a pod placed here shows what the state holds already (it was assumed).
        if (this.podInputs.moved(pod) && !this.showsAssumed(pod)) moved();
      },
      onUpdate: (pod) => {
        if (this.podInputs.moved(pod)) moved();
      },
      // A deleted pod holds nothing, including what was assumed for it and not yet seen.
      onDelete: (pod) => {
        this.podInputs.forget(pod);
        this.allocator.forget(keyOf(pod));
        moved();
      },
    });
    watchInputs(d.nodes, new PlacementInputs<V1Node>(nodePlacementInput, (n) => n.metadata?.name ?? ''), moved);
    watchInputs(d.dataplaneNodes, new PlacementInputs<DataplaneNode>(inventoryPlacementInput, (n) => n.metadata.name ?? ''), moved);
  }

  /**
   * Called whenever an event changes what placement reads (room may have appeared or gone): what
   * wakes replicas that wait for room, and nothing else does — not every heartbeat of every node.
   */
  onChange(listener: () => void): void {
    this.changeListeners.push(listener);
  }

  /** A pod whose annotations hold exactly what was assumed for it. */
  private showsAssumed(pod: V1Pod): boolean {
    try {
      const allocation = allocationOfPod(pod);
      return !!allocation && this.allocator.isAssumed(allocation);
    } catch {
      return false; // unreadable: the rebuild reports it
    }
  }

  /** Places one replica and assumes the result, or says why it cannot be placed. */
  place(request: PlacementRequest): PlacementOutcome {
    const state = this.current();
    state.placer ??= new Placer(state.nodes, state.allocations);
    const outcome = state.placer.place(request);
    if (outcome.ok) {
      state.allocations.push(outcome.allocation);
      this.allocator.assume(outcome.allocation);
      this.d.metrics.placements.inc();
    } else {
      const worst = Object.entries(outcome.rejections).sort((a, b) => b[1] - a[1])[0];
      this.d.metrics.placementFailures.inc({ reason: outcome.totalNodes === 0 ? 'noNodes' : worst?.[0] ?? 'unknown' });
    }
    return outcome;
  }

  /** A placement whose pod could not be created, or a claim whose write failed: nothing assumed stays. */
  forget(podKey: string): void {
    this.allocator.forget(podKey);
    this.state = undefined;
  }

  snapshot(): PlacementState {
    return this.current();
  }

  claim(allocation: Allocation): void {
    const state = this.current();
    const i = state.allocations.findIndex((a) => a.podKey === allocation.podKey);
    if (i >= 0) state.allocations[i] = allocation;
    else state.allocations.push(allocation);
    state.placer = undefined; // a grant changed under it: rebuilt on the next placement
    this.allocator.assume(allocation);
  }

  /** What the pods on `node` hold (those `pods` lists, plus what was assumed there): its summary. */
  nodeView(pods: readonly V1Pod[], node: string): AllocationView {
    return this.allocator.view(pods, node);
  }

  private current(): PlacementState {
    if (this.state?.version === this.version) return this.state;
    const pods = this.d.pods.list();
    const view = this.allocator.view(pods);
    this.d.metrics.invalidAllocations.set(view.invalid.length);
    for (const bad of view.invalid) this.d.log.warn('pod allocation unreadable', bad);
    this.state = { version: this.version, nodes: placementNodes(this.d.dataplaneNodes.list(), this.d.nodes.list(), pods), allocations: view.allocations };
    return this.state;
  }
}

/** Bumps the version on the adds, updates and deletes that change what the placer reads of an object. */
function watchInputs<T>(cache: WatchedCache<T>, inputs: PlacementInputs<T>, moved: () => void): void {
  cache.addHandlers({
    onAdd: (o) => { if (inputs.moved(o)) moved(); },
    onUpdate: (o) => { if (inputs.moved(o)) moved(); },
    onDelete: (o) => { inputs.forget(o); moved(); },
  });
}
