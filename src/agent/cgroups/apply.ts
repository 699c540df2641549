// Writes cpuset.cpus and cpuset.mems. Every write is preceded by a read and skipped when the kernel
// already holds the set, so enforcing the same plan twice writes nothing and a restarted agent
// touches only what drifted.
//
// Order matters on cgroup v1: a cgroup's CPUs (and memory nodes) must stay inside its parent's at every step, or the
// kernel refuses the write (EINVAL when widening a child past its parent, EBUSY when narrowing a
// parent below a child). Moving a tree from A to B therefore goes in two passes: top-down, each
// cgroup widens to A ∪ B; bottom-up, each narrows to B. cgroup v2 accepts any order but the same
// passes do no harm there.
import type { Dirent } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { formatCpuset, parseCpuset } from '../../lib/cpuset.ts';
import type { CgroupVersion } from './paths.ts';

/** The two cpuset files: CPUs, and memory nodes (NUMA cells). Both follow the same nesting rules. */
export type CpusetFile = 'cpuset.cpus' | 'cpuset.mems';

export interface WriteOptions {
  version: CgroupVersion;
  /** Which file; cpuset.cpus unless given. */
  file?: CpusetFile;
  /** Log instead of writing. */
  dryRun: boolean;
  onWrite?: (dir: string, from: string, to: string, file: CpusetFile) => void;
}

export async function exists(dir: string): Promise<boolean> {
  try {
    return (await fs.stat(dir)).isDirectory();
  } catch {
    return false;
  }
}

async function readSet(dir: string, file: CpusetFile): Promise<number[]> {
  try {
    return parseCpuset((await fs.readFile(path.join(dir, file), 'utf8')).trim());
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new Error(`${dir} has no ${file}: the cpuset controller is not enabled for it (cgroup v2: the parent's cgroup.subtree_control lacks +cpuset)`);
    }
    throw e;
  }
}

/** The cgroup and every cgroup below it (to `depth` levels), parents before children. */
export async function subtree(dir: string, depth = 3): Promise<string[]> {
  const out = [dir];
  if (depth === 0) return out;
  let entries: Dirent[];
  try {
    entries = await fs.readdir(dir, { withFileTypes: true });
  } catch (e) {
    // The pod went away between finding it and walking it: nothing below to enforce.
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return out;
    throw e;
  }
  for (const e of entries.filter((x) => x.isDirectory()).sort((a, b) => a.name.localeCompare(b.name))) {
    out.push(...await subtree(path.join(dir, e.name), depth - 1));
  }
  return out;
}

const sameSet = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((x, i) => x === b[i]);
const union = (a: readonly number[], b: readonly number[]) => [...new Set([...a, ...b])].sort((x, y) => x - y);

class Tree {
  private readonly now = new Map<string, number[]>();
  private readonly file: CpusetFile;
  writes = 0;

  constructor(private readonly opts: WriteOptions) {
    this.file = opts.file ?? 'cpuset.cpus';
  }

  async get(dir: string): Promise<number[]> {
    let v = this.now.get(dir);
    if (!v) {
      v = await readSet(dir, this.file);
      this.now.set(dir, v);
    }
    return v;
  }

  async set(dir: string, cpus: number[]): Promise<void> {
    const from = await this.get(dir);
    if (sameSet(from, cpus)) return;
    const text = formatCpuset(cpus);
    this.opts.onWrite?.(dir, formatCpuset(from), text, this.file);
    if (!this.opts.dryRun) {
      try {
        await fs.writeFile(path.join(dir, this.file), text);
      } catch (e) {
        throw new Error(`cannot write ${text} to ${path.join(dir, this.file)} (it holds ${formatCpuset(from) || 'nothing'}): ${(e as Error).message}`);
      }
    }
    // Remembered even in a dry run, so the second pass plans from what the first would have left.
    this.now.set(dir, cpus);
    this.writes++;
  }
}

/**
 * Gives every cgroup of `dirs` (parents before children, as subtree() lists them) exactly `cpus`
 * (or memory nodes, with file cpuset.mems). Returns the number of writes (0 when everything already held it).
 */
export async function setCpuset(dirs: readonly string[], cpus: readonly number[], opts: WriteOptions): Promise<number> {
  if (cpus.length === 0) throw new Error(`refusing to write an empty ${opts.file ?? 'cpuset.cpus'}: the cgroup's processes could ${opts.file === 'cpuset.mems' ? 'allocate memory' : 'run'} nowhere`);
  const target = [...cpus].sort((a, b) => a - b);
  const tree = new Tree(opts);
  for (const dir of dirs) await tree.set(dir, union(await tree.get(dir), target));
  for (const dir of [...dirs].reverse()) await tree.set(dir, target);
  return tree.writes;
}

/**
 * Makes every cgroup of `dirs` (parents first) hold at least `cpus`, narrowing none. On cgroup v2 an
 * empty cpuset.cpus (or .mems) means "everything the parent has", which already holds them.
 */
export async function widenCpuset(dirs: readonly string[], cpus: readonly number[], opts: WriteOptions): Promise<number> {
  const tree = new Tree(opts);
  for (const dir of dirs) {
    const current = await tree.get(dir);
    if (opts.version === 'v2' && current.length === 0) continue;
    await tree.set(dir, union(current, cpus));
  }
  return tree.writes;
}
