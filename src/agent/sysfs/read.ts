// Reading sysfs below a configurable root, so the same code reads /sys on a node and a fixture tree
// in tests. A missing file is an answer ("this machine has no such thing"), not an error: sysfs
// attributes come and go with kernel versions, drivers and hardware.
import fs from 'node:fs/promises';
import path from 'node:path';

function isMissing(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  // ENOTDIR: a path through a regular file; EINVAL: readlink on a non-link. Both mean "not there".
  return code === 'ENOENT' || code === 'ENOTDIR' || code === 'EINVAL';
}

const UNREADABLE = new Set(['EPERM', 'EACCES', 'EOPNOTSUPP', 'EIO']);

export class Sysfs {
  constructor(readonly root: string) {}

  private abs(rel: string): string {
    return path.join(this.root, rel);
  }

  /** The file's text without its trailing newline; undefined when it does not exist. */
  async text(rel: string): Promise<string | undefined> {
    try {
      return (await fs.readFile(this.abs(rel), 'utf8')).trim();
    } catch (e) {
      // Some attributes exist but refuse reads (a driver without per-VF trust answers EOPNOTSUPP):
      // "not readable here", like a missing one.
      if (isMissing(e) || UNREADABLE.has((e as NodeJS.ErrnoException).code ?? '')) return undefined;
      throw e;
    }
  }

  /**
   * The name of what a symlink leads to (a PCI address, a driver name); undefined when absent.
   * Resolved fully rather than read once, so a link written as a path through ".." still names its target.
   */
  async linkName(rel: string): Promise<string | undefined> {
    try {
      const abs = this.abs(rel);
      await fs.readlink(abs); // only links count: a plain directory of that name is not a device link
      return path.basename(await fs.realpath(abs));
    } catch (e) {
      if (isMissing(e)) return undefined;
      throw e;
    }
  }

  /** Entry names of a directory (following symlinks); [] when it does not exist. */
  async list(rel: string): Promise<string[]> {
    try {
      return (await fs.readdir(this.abs(rel))).sort();
    } catch (e) {
      if (isMissing(e)) return [];
      throw e;
    }
  }
}
