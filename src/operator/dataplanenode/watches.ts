// Which events wake the DataplaneNode controller, and for which node: declared beside the
// controller, registered on the shared informers.
import type * as k8s from '@kubernetes/client-node';
import { ANNOTATIONS } from '../../api/constants.ts';
import type { OperatorInformers } from '../informers.ts';
import { dataplaneOwner } from '../dataplane/watches.ts';

export function watchForDataplaneNodes(i: OperatorInformers, enqueue: (node: string) => void): void {
  const node = (o: k8s.KubernetesObject) => {
    if (o.metadata?.name) enqueue(o.metadata.name);
  };
  i.nodes.addHandlers({ onAdd: node, onUpdate: node, onDelete: node });
  i.dataplaneNodes.addHandlers({ onAdd: node, onUpdate: node, onDelete: node });
  // A dataplane pod's node, bound or only placed there: its summary moved.
  const onPod = (pod: k8s.V1Pod) => {
    if (!dataplaneOwner(pod)) return;
    const name = pod.spec?.nodeName || pod.metadata?.annotations?.[ANNOTATIONS.node];
    if (name) enqueue(name);
  };
  i.pods.addHandlers({ onAdd: onPod, onUpdate: onPod, onDelete: onPod });
}
