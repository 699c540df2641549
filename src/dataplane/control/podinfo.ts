// The dataplane learns its granted CPUs from the pod's annotations, which the kubelet projects into a
// file (downward API) and rewrites when the operator changes them. The file holds one
// `key="value"` line per annotation, values quoted like Go strings.
import fs from 'node:fs';
import path from 'node:path';
import { parseCpuset } from '../../lib/cpuset.ts';

export interface CpuGrant {
  /** Dedicated CPUs the operator granted (ix.dev/cpus). */
  granted: number[];
  /** What the operator last reported running (ix.dev/active-cpus) within the grant; the whole grant when absent. */
  active: number[];
}

/** Parses a downward-API annotations file into a map. */
export function parseDownwardApi(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    const raw = line.slice(eq + 1).trim();
    let value = raw;
    if (raw.startsWith('"')) {
      try {
        value = JSON.parse(raw) as string; // Go's %q of plain annotation text is valid JSON
      } catch {
        continue;
      }
    }
    out.set(line.slice(0, eq).trim(), value);
  }
  return out;
}

export function grantFromAnnotations(ann: Map<string, string>): CpuGrant | undefined {
  const cpus = ann.get('ix.dev/cpus');
  if (!cpus) return undefined;
  const granted = parseCpuset(cpus);
  // ix.dev/active-cpus is the operator's last report of what the dataplane ran on; a grant just
  // changed can leave it naming CPUs no longer granted, which is stale, not wrong.
  const activeText = ann.get('ix.dev/active-cpus');
  const reported = activeText ? parseCpuset(activeText).filter((c) => granted.includes(c)) : [];
  return { granted, active: reported.length ? reported : granted };
}

export function readGrant(file: string): CpuGrant | undefined {
  return grantFromAnnotations(parseDownwardApi(fs.readFileSync(file, 'utf8')));
}

/**
 * Calls `onChange` with the grant whenever the file changes. The kubelet replaces the file through a
 * symlink swap in its directory, so the directory is watched, not the file.
 */
export function watchGrant(file: string, onChange: (grant: CpuGrant | undefined, error?: Error) => void): () => void {
  let last = '';
  const check = () => {
    try {
      const text = fs.readFileSync(file, 'utf8');
      if (text === last) return;
      last = text;
      onChange(grantFromAnnotations(parseDownwardApi(text)));
    } catch (e) {
      onChange(undefined, e instanceof Error ? e : new Error(String(e)));
    }
  };
  check();
  const watcher = fs.watch(path.dirname(file), () => check());
  return () => watcher.close();
}
