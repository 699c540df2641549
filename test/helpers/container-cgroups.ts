// Reading what the kernel enforces on a container of the real test node: its cgroup directories,
// found from one of its processes, the way the kubelet's cgroupfs driver laid them out.
import fs from 'node:fs';
import path from 'node:path';
import type { RealNode } from '../../src/sim/real-node.ts';

/** The PID of a container's first process (its containerd task), from the pod's containerID. */
export function containerPid(node: RealNode, containerId: string): number {
  const id = containerId.replace(/^containerd:\/\//, '');
  const pid = Number(node.ctr(['tasks', 'list']).split('\n').find((l) => l.startsWith(id))?.split(/\s+/)[1]);
  if (!(pid > 0)) throw new Error(`no running task for container ${id}`);
  return pid;
}

/** The cgroup directory of a process for a v1 controller, or its v2 directory. */
export function cgroupDir(pid: number, controller: string): string {
  const lines = fs.readFileSync(`/proc/${pid}/cgroup`, 'utf8').split('\n');
  for (const line of lines) {
    const [, controllers, p] = line.split(':');
    if (controllers?.split(',').includes(controller)) return path.join('/sys/fs/cgroup', controller, p!);
  }
  const v2 = lines.find((l) => l.startsWith('0::'))?.slice(3);
  if (v2 !== undefined) return path.join('/sys/fs/cgroup', v2);
  throw new Error(`no ${controller} cgroup for pid ${pid}`);
}

/** The CFS quota and period in µs (v1 cpu.cfs_quota_us / cfs_period_us, or v2 cpu.max). */
export function cpuQuota(pid: number): { quotaUs: number; periodUs: number } {
  const dir = cgroupDir(pid, 'cpu');
  if (fs.existsSync(path.join(dir, 'cpu.cfs_quota_us'))) {
    const read = (f: string) => Number(fs.readFileSync(path.join(dir, f), 'utf8').trim());
    return { quotaUs: read('cpu.cfs_quota_us'), periodUs: read('cpu.cfs_period_us') };
  }
  const [quota, period] = fs.readFileSync(path.join(dir, 'cpu.max'), 'utf8').trim().split(' ');
  return { quotaUs: quota === 'max' ? -1 : Number(quota), periodUs: Number(period) };
}

/** The CPUs the container may run on (cpuset.cpus of its cpuset cgroup). */
export function cpusetCpus(pid: number): string {
  return fs.readFileSync(path.join(cgroupDir(pid, 'cpuset'), 'cpuset.cpus'), 'utf8').trim();
}
