// What the processes started beside a simulated cluster (its autoscaler) need of it. SimCluster is
// one; they name this instead of the class, so that the cluster can stop them when it is deleted
// without the two modules importing each other.
import type * as k8s from '@kubernetes/client-node';
import type { ControlPlaneBinaries } from './binaries.ts';

export interface ClusterHandle {
  readonly name: string;
  /** The cluster's own directory (kwokctl's), where companions keep their pid files and logs. */
  readonly dir: string;
  readonly kubeconfigPath: string;
  readonly kubeConfig: k8s.KubeConfig;
  readonly binaries: ControlPlaneBinaries;
}
