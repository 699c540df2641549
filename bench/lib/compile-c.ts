/**
 * Builds a one-file C program of the repository with the machine's `cc`, once: the binary is cached
 * under ~/.cache/ix-operator/bench/ by a hash of the source, the flags and the compiler's version,
 * so an edit or a new compiler rebuilds it and nothing built is ever committed.
 */
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { cacheDir } from '../../src/lib/paths.ts';

export interface CompileOptions {
  /** Extra flags for cc (e.g. ['-static']). */
  flags?: string[];
}

export function compileC(source: string, opts: CompileOptions = {}): string {
  const flags = ['-O2', '-Wall', '-Wextra', '-Werror', ...(opts.flags ?? [])];
  const version = spawnSync('cc', ['--version'], { encoding: 'utf8' });
  if (version.error || version.status !== 0) throw new Error(`cc is needed to build ${path.basename(source)} (apt-get install -y gcc): ${version.error?.message ?? version.stderr}`);
  const hash = crypto.createHash('sha256').update(fs.readFileSync(source)).update(flags.join(' ')).update(version.stdout).digest('hex').slice(0, 16);
  const dir = path.join(cacheDir(), 'bench');
  const out = path.join(dir, `${path.basename(source, '.c')}-${hash}`);
  if (fs.existsSync(out)) return out;
  fs.mkdirSync(dir, { recursive: true });
  // Built beside its final name and renamed: two runs building at once never see half a binary.
  const tmp = `${out}.${process.pid}.tmp`;
  const cc = spawnSync('cc', [...flags, '-o', tmp, source], { encoding: 'utf8' });
  if (cc.status !== 0) throw new Error(`cc ${flags.join(' ')} ${source} failed:\n${cc.stderr}`);
  fs.renameSync(tmp, out);
  return out;
}
