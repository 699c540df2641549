// Where the kubelet and the container runtimes put a pod's cgroups. Pure: names only, no I/O.
//
// The kubelet makes one cgroup per pod under a QoS-class parent; its cgroup driver decides the
// spelling. With the systemd driver every level is a slice whose name repeats its parents' names
// (kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod<uid>.slice) and the dashes of the
// pod UID become underscores, since systemd reads "-" as a level separator. With the cgroupfs
// driver the levels are plain directories (kubepods/burstable/pod<uid>). Guaranteed pods sit
// directly under kubepods. The runtime then puts each container (and the pod sandbox) in a child:
// containerd as cri-containerd-<id>.scope (systemd) or <id> (cgroupfs), CRI-O as crio-<id>.scope
// or crio-<id>. cgroup v1 repeats the whole layout in each controller's hierarchy; v2 has one.

export type QosClass = 'Guaranteed' | 'Burstable' | 'BestEffort';
export type CgroupDriver = 'systemd' | 'cgroupfs';
export type CgroupVersion = 'v1' | 'v2';
export type ContainerRuntime = 'containerd' | 'cri-o';

export interface PodCgroupPath {
  driver: CgroupDriver;
  /** Relative to the root of the hierarchy that holds cpuset. */
  path: string;
}

const QOS_SLUG: Record<QosClass, string | undefined> = { Guaranteed: undefined, Burstable: 'burstable', BestEffort: 'besteffort' };

/** The pod's cgroup under both drivers; the node has one of them, which the caller finds by looking. */
export function podCgroupPaths(uid: string, qos: QosClass): PodCgroupPath[] {
  if (!/^[0-9a-zA-Z-]+$/.test(uid)) throw new Error(`pod UID ${JSON.stringify(uid)} cannot name a cgroup`);
  const slug = QOS_SLUG[qos];
  const escaped = uid.replaceAll('-', '_');
  const systemd = slug === undefined
    ? `kubepods.slice/kubepods-pod${escaped}.slice`
    : `kubepods.slice/kubepods-${slug}.slice/kubepods-${slug}-pod${escaped}.slice`;
  const cgroupfs = slug === undefined ? `kubepods/pod${uid}` : `kubepods/${slug}/pod${uid}`;
  return [{ driver: 'systemd', path: systemd }, { driver: 'cgroupfs', path: cgroupfs }];
}

/**
 * The kubelet's parents of every pod cgroup, parents first. A child's cpuset must lie inside its
 * parent's (cgroup v1 refuses anything else; v2 silently clamps), so these must hold the union of
 * the shared pool and every dedicated set.
 */
export function kubepodsParents(driver: CgroupDriver): string[] {
  return driver === 'systemd'
    ? ['kubepods.slice', 'kubepods.slice/kubepods-burstable.slice', 'kubepods.slice/kubepods-besteffort.slice']
    : ['kubepods', 'kubepods/burstable', 'kubepods/besteffort'];
}

/** The directory name a runtime gives a container's cgroup inside the pod's. */
export function containerCgroupName(runtime: ContainerRuntime, driver: CgroupDriver, id: string): string {
  if (runtime === 'containerd') return driver === 'systemd' ? `cri-containerd-${id}.scope` : id;
  return driver === 'systemd' ? `crio-${id}.scope` : `crio-${id}`;
}

/** A container status's containerID ("containerd://<id>", "cri-o://<id>"), or undefined for other runtimes. */
export function parseContainerId(containerId: string): { runtime: ContainerRuntime; id: string } | undefined {
  const m = /^(containerd|cri-o):\/\/([0-9a-f]{12,128})$/.exec(containerId);
  return m ? { runtime: m[1] as ContainerRuntime, id: m[2]! } : undefined;
}

/**
 * The cpuset hierarchy below a cgroup root given what the root shows: cgroup v2 when the root is a
 * unified hierarchy with the cpuset controller, else v1's per-controller cpuset directory. A hybrid
 * host (v1 controllers plus a v2 mount at unified/ holding none) is v1 for cpusets.
 */
export function cpusetHierarchy(root: { controllers?: string; hasV1Cpuset: boolean }): { version: CgroupVersion; subdir: string } {
  if (root.controllers !== undefined && root.controllers.split(/\s+/).includes('cpuset')) return { version: 'v2', subdir: '' };
  if (root.hasV1Cpuset) return { version: 'v1', subdir: 'cpuset' };
  if (root.controllers !== undefined) throw new Error('the cgroup v2 root does not offer the cpuset controller (cgroup.controllers lacks cpuset)');
  throw new Error('neither a cgroup v2 root nor a v1 cpuset hierarchy');
}
