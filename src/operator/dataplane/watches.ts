// Which events wake the Dataplane controller, and for which Dataplane: declared beside the
// controller (controller-runtime's SetupWithManager), registered on the shared informers.
import type * as k8s from '@kubernetes/client-node';
import type { OperatorInformers } from '../informers.ts';
import { CONDITIONS } from './status.ts';
import { keyOf } from './names.ts';
import type { AllocationBook } from '../allocation-book.ts';

/** The controlling Dataplane of an object the operator made (pods, Services, budgets). */
export function dataplaneOwner(o: k8s.KubernetesObject): string | undefined {
  const owner = o.metadata?.ownerReferences?.find((r) => r.controller && r.kind === 'Dataplane');
  return owner ? `${o.metadata?.namespace}/${owner.name}` : undefined;
}

/** Room that appeared wakes the Dataplanes that wait for it at most this often: a burst of changes is one pass over them. */
const WAKE_WAITING_MS = 100;

export function watchForDataplanes(i: OperatorInformers, allocations: Pick<AllocationBook, 'onChange'>, enqueue: (key: string) => void, namespace?: string): void {
  const self = (o: k8s.KubernetesObject) => enqueue(keyOf(o));
  i.dataplanes.addHandlers({ onAdd: self, onUpdate: self, onDelete: self });
  // Dataplanes that wait for room look again when room may have appeared: when the allocation book
  // says an event changed what placement reads (a node joined or was uncordoned, a pod went, an
  // inventory grew), not on every heartbeat of every node.
  let wake: NodeJS.Timeout | undefined;
  allocations.onChange(() => {
    wake ??= setTimeout(() => {
      wake = undefined;
      for (const dp of i.dataplanes.list()) {
        const placed = dp.status?.conditions?.find((c) => c.type === CONDITIONS.placed);
        if (placed?.status !== 'True') enqueue(keyOf(dp));
      }
    }, WAKE_WAITING_MS);
  });
  const onPod = (pod: k8s.V1Pod) => {
    const owner = dataplaneOwner(pod);
    // Another namespace's dataplane pod still holds CPUs of its node: it counts (the allocation book
    // sees it), it is not ours to reconcile.
    if (owner && (!namespace || pod.metadata?.namespace === namespace)) enqueue(owner);
  };
  i.pods.addHandlers({ onAdd: onPod, onUpdate: onPod, onDelete: onPod });
  // A change or deletion of a companion by someone else wakes its owner, which puts its own back.
  const owner = (o: k8s.KubernetesObject) => {
    const key = dataplaneOwner(o);
    if (key) enqueue(key);
  };
  i.services.addHandlers({ onAdd: owner, onUpdate: owner, onDelete: owner });
  i.disruptionBudgets.addHandlers({ onAdd: owner, onUpdate: owner, onDelete: owner });
}
