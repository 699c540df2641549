// Finds the cgroup hierarchy that holds cpusets below --cgroup-root (I/O around the pure rule in paths.ts).
import fs from 'node:fs/promises';
import path from 'node:path';
import { cpusetHierarchy, type CgroupVersion } from './paths.ts';

export interface CpusetHierarchy {
  version: CgroupVersion;
  /** Absolute directory whose layout is kubepods…/pod…/container. */
  dir: string;
}

async function readOrUndefined(file: string): Promise<string | undefined> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch {
    return undefined;
  }
}

export async function findCpusetHierarchy(cgroupRoot: string): Promise<CpusetHierarchy> {
  const controllers = await readOrUndefined(path.join(cgroupRoot, 'cgroup.controllers'));
  const hasV1Cpuset = (await readOrUndefined(path.join(cgroupRoot, 'cpuset', 'cpuset.cpus'))) !== undefined;
  try {
    const { version, subdir } = cpusetHierarchy({ controllers: controllers?.trim(), hasV1Cpuset });
    return { version, dir: path.join(cgroupRoot, subdir) };
  } catch (e) {
    throw new Error(`no cpuset cgroup hierarchy under ${cgroupRoot}: ${(e as Error).message}`);
  }
}
