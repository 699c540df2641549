// `ixctl status` as a person runs it: a separate process with --kubeconfig, against a real API server
// where an operator has placed Dataplanes on kwok nodes with DataplaneNode inventories.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { useTestCluster } from '../helpers/cluster.ts';
import { installCrds } from '../helpers/crds.ts';
import { POOL_LABEL, createDataplane, getDataplane, startOperator, stopOperators, waitForRunningPods } from '../helpers/operator.ts';
import { ANNOTATIONS } from '../../src/api/constants.ts';
import type { DataplaneNode } from '../../src/api/dataplane-node.ts';
import type { StatusView } from '../../src/cli/status-view.ts';
import { waitFor } from '../../src/lib/kube.ts';
import { formatCpuset, parseCpuset } from '../../src/lib/cpuset.ts';
import { repoRoot } from '../../src/lib/paths.ts';

const tc = await useTestCluster('status');
await installCrds(tc);
// Two nodes of 16 CPUs (2 cells x 4 cores x 2 threads, core 0 of each cell reserved: 12 dedicatable), 4 VFs each.
const nodeNames = await tc.cluster.addNodes(2, { cpus: 16, vfs: 4, labels: { [POOL_LABEL]: tc.namespace } }, { inventory: true });
await tc.cluster.waitForNodesReady(nodeNames);
await startOperator(tc);
after(stopOperators);

/** Runs `tsx src/cli/main.ts <args>` as its own process (without blocking: the operator in this process keeps working). */
function ixctl(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(path.join(repoRoot, 'node_modules', '.bin', 'tsx'), [path.join(repoRoot, 'src', 'cli', 'main.ts'), ...args], {
      cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, KUBECONFIG: '/nonexistent/kubeconfig' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
}

const cells = (line: string) => line.trim().split(/ {3,}/);
/** The rows of one section of the table output, as cells, keyed by the header names. */
function section(text: string, title: string): Record<string, string>[] {
  const lines = text.split('\n');
  const start = lines.indexOf(title);
  assert.ok(start >= 0, `a ${title} section in:\n${text}`);
  const end = lines.indexOf('', start);
  const [header, ...rows] = lines.slice(start + 1, end).map(cells);
  return rows.map((r) => Object.fromEntries(header!.map((h, i) => [h, r[i] ?? ''])));
}

const network = { resourceName: 'intel.com/sriov_netdevice' };

describe('ixctl status', () => {
  it("prints the Dataplanes, every pod's node, NUMA cell, CPUs and VF, and the nodes they hold CPUs on", async () => {
    await createDataplane(tc, 'cache', { replicas: 2, cores: { min: 2, max: 4 }, network });
    await createDataplane(tc, 'huge', { replicas: 1, cores: { min: 8, max: 8 }, network });
    const pods = await waitForRunningPods(tc, 'cache', 2);
    await waitFor('cache Ready and huge not placed', async () => {
      const [cache, huge] = await Promise.all([getDataplane(tc, 'cache'), getDataplane(tc, 'huge')]);
      return cache.status?.readyReplicas === 2 && cache.status.conditions?.find((c) => c.type === 'Ready')?.status === 'True' &&
        huge.status?.conditions?.find((c) => c.type === 'Placed')?.status === 'False' ? true : undefined;
    });
    const custom = tc.kubeConfig.makeApiClient(k8s.CustomObjectsApi);
    await waitFor('the DataplaneNodes to list the pods', async () => {
      for (const p of pods) {
        const dpn = await custom.getClusterCustomObject({ group: 'ix.dev', version: 'v1alpha1', plural: 'dataplanenodes', name: p.spec!.nodeName! }) as DataplaneNode;
        if (!dpn.status?.allocations?.some((a) => a.pod === `${tc.namespace}/${p.metadata!.name}`)) return undefined;
      }
      return true;
    });

    const r = await ixctl(['status', '--kubeconfig', tc.kubeconfigPath, '-n', tc.namespace]);
    assert.equal(r.code, 0, r.stderr);
    const dps = section(r.stdout, 'DATAPLANES');
    assert.deepEqual(dps.map((d) => [d.NAME, d.READY, d['CORES-ALLOCATED'], d.CONDITIONS]), [
      ['cache', '2/2', '4', 'AllReplicasReady'],
      ['huge', '0/1', '0', 'Ready=False(Unschedulable), Placed=False(InsufficientResources), Progressing=True(WaitingForReady)'],
    ]);

    const podRows = section(r.stdout, 'PODS');
    assert.equal(podRows.length, 3, 'two cache pods and the pending huge one');
    for (const p of pods) {
      const ann = p.metadata!.annotations!;
      const row = podRows.find((x) => x.POD === p.metadata!.name);
      assert.ok(row, `a row for ${p.metadata!.name}`);
      assert.deepEqual(
        [row.DATAPLANE, row.NODE, row.STATUS, row.READY, row.NUMA, row.CPUS, row.VF],
        ['cache', p.spec!.nodeName!, 'Running', 'yes', ann[ANNOTATIONS.numa], ann[ANNOTATIONS.cpus], ann[ANNOTATIONS.vf]],
      );
      assert.match(row.CPUS!, /^\d+,\d+$/, 'two CPUs: one whole core');
    }
    const pending = podRows.find((x) => x.DATAPLANE === 'huge');
    assert.deepEqual([pending?.NODE, pending?.STATUS, pending?.CPUS], ['-', 'Pending', '-']);

    const nodeRows = section(r.stdout, 'NODES');
    // The placer spreads the two replicas over the two nodes, unless one node was briefly unfit
    // (a kwok heartbeat late under load taints it NotReady): expectations follow where they went.
    const byNode = new Map<string, k8s.V1Pod[]>();
    for (const p of pods) byNode.set(p.spec!.nodeName!, [...(byNode.get(p.spec!.nodeName!) ?? []), p]);
    assert.deepEqual(nodeRows.map((n) => n.NODE).sort(), [...byNode.keys()].sort(), "only the nodes of this namespace's pods");
    for (const [node, here] of byNode) {
      const row = nodeRows.find((n) => n.NODE === node)!;
      const cpus = formatCpuset(here.flatMap((p) => parseCpuset(p.metadata!.annotations![ANNOTATIONS.cpus]!)));
      assert.deepEqual([row.CPUS, row.DEDICATABLE, row.ALLOCATED, row.FREE, row['ALLOCATED-CPUS'], row['VFS-FREE'], row.PODS],
        ['16', '12', String(2 * here.length), String(12 - 2 * here.length), cpus, `${4 - here.length}/4`, String(here.length)]);
    }
    const problems = r.stdout.slice(r.stdout.indexOf('\nPROBLEMS\n') + 10).trimEnd().split('\n');
    assert.equal(problems.length, 3, r.stdout);
    assert.equal(problems[0], 'huge: Ready=False Unschedulable: 0/1 replicas ready');
    assert.match(problems[1]!, /^huge: Placed=False InsufficientResources: 1 replica\(s\) cannot be placed: 0\/\d+ nodes are available: .*CPUs/);
    assert.match(problems[2]!, /^huge: Progressing=True WaitingForReady: /);
  });

  it('prints the same as JSON for scripts, over all namespaces', async () => {
    const r = await ixctl(['status', '--kubeconfig', tc.kubeconfigPath, '-o', 'json']);
    assert.equal(r.code, 0, r.stderr);
    const view = JSON.parse(r.stdout) as StatusView;
    assert.equal(view.namespace, undefined);
    const mine = view.pods.filter((p) => p.namespace === tc.namespace && p.dataplane === 'cache');
    const pods = await waitForRunningPods(tc, 'cache', 2);
    const byName = (a: { name?: string }, b: { name?: string }) => (a.name! < b.name! ? -1 : 1);
    assert.deepEqual(
      mine.map((p) => ({ name: p.name, node: p.node, cpus: p.cpus, vf: p.vf })).sort(byName),
      pods.map((p) => ({ name: p.metadata!.name, node: p.spec!.nodeName, cpus: p.metadata!.annotations![ANNOTATIONS.cpus], vf: p.metadata!.annotations![ANNOTATIONS.vf] })).sort(byName),
    );
    const cache = view.dataplanes.find((d) => d.namespace === tc.namespace && d.name === 'cache');
    assert.deepEqual(cache?.replicas, { ready: 2, wanted: 2 });
    assert.equal(cache?.cores.allocated, 4);
    for (const name of nodeNames) assert.ok(view.nodes.some((n) => n.name === name), `all namespaces: every node, ${name} too`);
  });

  it('says when a namespace has no Dataplanes, and refuses an unknown output format', async () => {
    const empty = await ixctl(['status', '--kubeconfig', tc.kubeconfigPath, '-n', 'kube-public']);
    assert.equal(empty.code, 0, empty.stderr);
    assert.equal(empty.stdout, 'No Dataplanes in namespace kube-public.\n\nNo DataplaneNode holds pods in namespace kube-public.\n');
    const bad = await ixctl(['status', '--kubeconfig', tc.kubeconfigPath, '-o', 'yaml']);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /argument 'yaml' is invalid\. Allowed choices are table, json/);
  });
});
