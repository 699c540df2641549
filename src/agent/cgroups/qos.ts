// The pod's QoS class, which picks its cgroup parent. The kubelet writes it in status.qosClass; a
// pod seen before that (or from an older API server) gets it computed by the kubelet's rules.
import type { V1Container, V1Pod } from '@kubernetes/client-node';
import type { QosClass } from './paths.ts';

export function qosClassOf(pod: V1Pod): QosClass {
  const given = pod.status?.qosClass;
  if (given === 'Guaranteed' || given === 'Burstable' || given === 'BestEffort') return given;
  const containers: V1Container[] = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])];
  let any = false;
  let guaranteed = containers.length > 0;
  for (const c of containers) {
    const limits = c.resources?.limits ?? {};
    // A request left out defaults to the limit, as the API server's defaulting does.
    const requests = { ...limits, ...c.resources?.requests };
    // Only CPU and memory decide the class; extended resources (a VF) do not.
    for (const r of ['cpu', 'memory']) {
      if (limits[r] !== undefined || requests[r] !== undefined) any = true;
      if (limits[r] === undefined || requests[r] !== limits[r]) guaranteed = false;
    }
  }
  if (!any) return 'BestEffort';
  return guaranteed ? 'Guaranteed' : 'Burstable';
}
