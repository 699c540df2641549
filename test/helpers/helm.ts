// The helm that scripts/build-k8s-binaries.sh builds, for tests. helm keeps a cache, config and data
// directory: each test file gets its own, so a test neither reads nor writes the user's repositories
// and plugins, and the directory goes when the file ends.
import { after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { repoRoot } from '../../src/lib/paths.ts';

export interface HelmResult { status: number; stdout: string; stderr: string }

export interface Helm {
  readonly bin: string;
  /** Runs helm (in the repository's root); fails the test only when helm cannot be started. */
  run(args: string[]): HelmResult;
  /** Runs helm and asserts that it succeeds; its stdout. */
  ok(args: string[]): string;
}

/** Call at a test file's top level: the home directory's clean-up belongs to the file. */
export function useHelm(bin: string, prefix: string): Helm {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), `ix-${prefix}-helm-`));
  after(() => fs.rmSync(home, { recursive: true, force: true }));
  const env = { ...process.env, HELM_CACHE_HOME: path.join(home, 'cache'), HELM_CONFIG_HOME: path.join(home, 'config'), HELM_DATA_HOME: path.join(home, 'data') };
  const run = (args: string[]): HelmResult => {
    const r = spawnSync(bin, args, { encoding: 'utf8', cwd: repoRoot, env });
    if (r.error) throw new Error(`cannot run helm at ${bin} (built by scripts/build-k8s-binaries.sh): ${r.error.message}`);
    return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
  };
  return {
    bin,
    run,
    ok(args) {
      const r = run(args);
      assert.equal(r.status, 0, `helm ${args.join(' ')}:\n${r.stdout}${r.stderr}`);
      return r.stdout;
    },
  };
}
