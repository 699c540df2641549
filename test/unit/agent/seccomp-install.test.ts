import { afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { dataplaneSeccompProfile, installSeccompProfile, seccompProfilePath } from '../../../src/agent/seccomp/install.ts';

let root: string;
beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'ix-kubelet-'));
});
afterEach(() => {
  fs.rmSync(root, { recursive: true, force: true });
});

describe('installSeccompProfile', () => {
  it('writes the profile where the kubelet looks up a Localhost profile, readable by all, once', () => {
    assert.equal(seccompProfilePath(root), path.join(root, 'seccomp', 'ix.dev', 'dataplane.json'));
    assert.equal(installSeccompProfile(root), 'written');
    const file = seccompProfilePath(root);
    assert.equal(fs.readFileSync(file, 'utf8'), dataplaneSeccompProfile());
    assert.equal(fs.statSync(file).mode & 0o777, 0o644);
    const mtime = fs.statSync(file).mtimeMs;
    assert.equal(installSeccompProfile(root), 'unchanged');
    assert.equal(fs.statSync(file).mtimeMs, mtime, 'nothing rewritten when it is in place');
    assert.deepEqual(fs.readdirSync(path.dirname(file)), ['dataplane.json'], 'no temporary file left');
  });

  it('repairs a profile someone changed or removed', () => {
    installSeccompProfile(root);
    fs.writeFileSync(seccompProfilePath(root), '{"defaultAction":"SCMP_ACT_ALLOW"}');
    assert.equal(installSeccompProfile(root), 'written');
    fs.rmSync(seccompProfilePath(root));
    assert.equal(installSeccompProfile(root), 'written');
    assert.equal(fs.readFileSync(seccompProfilePath(root), 'utf8'), dataplaneSeccompProfile());
  });

  it('writes nothing in a dry run', () => {
    assert.equal(installSeccompProfile(root, { dryRun: true }), 'would-write');
    assert.equal(fs.existsSync(path.join(root, 'seccomp')), false);
  });

  it('says so on an architecture it has no profile for', () => {
    assert.throws(() => dataplaneSeccompProfile('arm64'), /no dataplane seccomp profile for arm64: only amd64's is generated/);
  });

  it('fails where it cannot write (the agent then publishes no inventory)', () => {
    // A file where the seccomp directory should be: the kubelet's root is not what the flag says.
    fs.writeFileSync(path.join(root, 'seccomp'), '');
    assert.throws(() => installSeccompProfile(root), /ENOTDIR|EEXIST/);
  });
});
