// The dataplane pods' seccomp profile is generated from containerd's own default profile
// (scripts/generate-seccomp-profile.sh, containerd pinned in scripts/seccomp-profile/go.mod): the
// file in the repository must be what the generator writes, and what it adds to the runtime's
// default must be io_uring's three system calls and nothing more.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../../../src/lib/paths.ts';

interface Rule { names: string[]; action: string; args?: unknown[] }
interface Profile { defaultAction: string; defaultErrnoRet?: number; architectures: string[]; syscalls: Rule[] }

const profile = JSON.parse(fs.readFileSync(path.join(repoRoot, 'src', 'agent', 'seccomp', 'dataplane-amd64.json'), 'utf8')) as Profile;
const IO_URING = ['io_uring_enter', 'io_uring_register', 'io_uring_setup'];

describe('the dataplane seccomp profile', () => {
  it('is what scripts/generate-seccomp-profile.sh makes from containerd\'s default (go.mod\'s version)', () => {
    if (spawnSync('go', ['version']).status !== 0) assert.fail('Go is needed to check the generated seccomp profile (scripts/install-test-deps.sh says how to get it)');
    const check = spawnSync('bash', [path.join(repoRoot, 'scripts', 'generate-seccomp-profile.sh'), '--check'], { encoding: 'utf8', timeout: 600_000 });
    assert.equal(check.status, 0, check.stderr);
  });

  it('refuses what it does not list, as the runtime\'s default does, on amd64\'s system call tables', () => {
    assert.equal(profile.defaultAction, 'SCMP_ACT_ERRNO');
    assert.deepEqual(profile.architectures, ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32']);
  });

  it('adds io_uring_setup, io_uring_enter and io_uring_register unconditionally, in one rule of its own', () => {
    const rules = profile.syscalls.filter((r) => r.names.some((n) => n.startsWith('io_uring')));
    assert.deepEqual(rules, [{ names: IO_URING, action: 'SCMP_ACT_ALLOW' }]);
    assert.equal(profile.syscalls.at(-1)?.names.join(), IO_URING.join(), 'appended after the runtime\'s rules');
  });

  it('allows nothing of what a container without capabilities is refused by the runtime', () => {
    const allowed = new Set(profile.syscalls.filter((r) => r.action === 'SCMP_ACT_ALLOW' && !r.args?.length).flatMap((r) => r.names));
    // The capability-gated rules of containerd's default (CAP_SYS_ADMIN, CAP_SYS_MODULE, CAP_BPF, ...) stay out.
    for (const n of ['mount', 'umount2', 'unshare', 'setns', 'init_module', 'bpf', 'perf_event_open', 'kexec_load', 'reboot', 'keyctl', 'add_key', 'clock_settime', 'iopl']) {
      assert.equal(allowed.has(n), false, `${n} must stay refused`);
    }
  });
});
