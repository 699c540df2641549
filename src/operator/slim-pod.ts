// What the operator keeps of each pod in its cache: the fields it reads, nothing else (client-go's
// informer transforms do the same). The pod informer watches every pod of the cluster (ordinary
// pods' CPU requests bound what a node can dedicate), and a pod's volumes, env, probes, images and
// container states are most of its size: at 10,000 pods they were most of the operator's heap.
//
// What is read, and by whom (a field read anywhere in src/operator must stay here; the unit test
// runs every reader over a full pod and its slim copy):
// - metadata, all of it but managedFields: names, UID, labels, annotations (allocations, spec hash,
//   networks), owner references, deletion timestamp;
// - spec.nodeName; the containers' and init containers' names and resources (CPU requests, resize);
// - status.phase, conditions (Ready, PodScheduled, resize), podIP(s), qosClass, and each container
//   status's name, resources and allocatedResources (what the kubelet actuated).
import type { V1Container, V1ContainerStatus, V1Pod } from '@kubernetes/client-node';

const slimContainer = (c: V1Container): V1Container => ({ name: c.name, ...(c.resources ? { resources: c.resources } : {}) });

const slimContainerStatus = (s: V1ContainerStatus): V1ContainerStatus => ({
  name: s.name, ready: s.ready, restartCount: s.restartCount, image: '', imageID: '',
  ...(s.resources ? { resources: s.resources } : {}),
  ...(s.allocatedResources ? { allocatedResources: s.allocatedResources } : {}),
});

/** The pod with only what the operator reads, in place (the informer's cache holds the object it is given). */
export function slimPod(pod: V1Pod): V1Pod {
  if (pod.metadata) delete pod.metadata.managedFields;
  const spec = pod.spec;
  if (spec) {
    pod.spec = {
      containers: spec.containers.map(slimContainer),
      ...(spec.initContainers ? { initContainers: spec.initContainers.map(slimContainer) } : {}),
      ...(spec.nodeName ? { nodeName: spec.nodeName } : {}),
    };
  }
  const status = pod.status;
  if (status) {
    pod.status = {
      ...(status.phase ? { phase: status.phase } : {}),
      ...(status.conditions ? { conditions: status.conditions } : {}),
      ...(status.podIP ? { podIP: status.podIP } : {}),
      ...(status.podIPs ? { podIPs: status.podIPs } : {}),
      ...(status.qosClass ? { qosClass: status.qosClass } : {}),
      ...(status.containerStatuses ? { containerStatuses: status.containerStatuses.map(slimContainerStatus) } : {}),
    };
  }
  return pod;
}
