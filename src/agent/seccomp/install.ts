// Installs the dataplane pods' seccomp profile in the kubelet's seccomp directory, where a pod's
// `seccompProfile: {type: Localhost, localhostProfile: ...}` is looked up. The profile is the
// runtime's default plus io_uring's three system calls (generated, see dataplane-amd64.json and
// docs/adr/0020); the agent only copies it. Level-based like the rest of the agent: every pass
// compares the file with the profile and rewrites it when it differs or is missing.
import fs from 'node:fs';
import path from 'node:path';
import { DATAPLANE_SECCOMP_PROFILE } from '../../api/constants.ts';
import amd64 from './dataplane-amd64.json' with { type: 'json' };

/** The profile for a Node.js architecture (process.arch); only amd64's is generated. */
export function dataplaneSeccompProfile(arch: string = process.arch): string {
  if (arch !== 'x64') throw new Error(`no dataplane seccomp profile for ${arch}: only amd64's is generated (scripts/generate-seccomp-profile.sh)`);
  return `${JSON.stringify(amd64, null, 2)}\n`;
}

/** Where the kubelet rooted at `kubeletRoot` finds the profile. */
export function seccompProfilePath(kubeletRoot: string): string {
  return path.join(kubeletRoot, 'seccomp', DATAPLANE_SECCOMP_PROFILE);
}

export type InstallOutcome = 'written' | 'unchanged' | 'would-write';

/**
 * Writes the profile unless the file already holds it. The new file is renamed into place, so a
 * container starting meanwhile reads the old profile or the new one, never half of one.
 */
export function installSeccompProfile(kubeletRoot: string, opts: { dryRun?: boolean; profile?: string } = {}): InstallOutcome {
  const file = seccompProfilePath(kubeletRoot);
  const profile = opts.profile ?? dataplaneSeccompProfile();
  let current: string | undefined;
  try {
    current = fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  if (current === profile) return 'unchanged';
  if (opts.dryRun) return 'would-write';
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o755 });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, profile, { mode: 0o644 });
  fs.renameSync(tmp, file);
  return 'written';
}
