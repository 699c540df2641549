import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { formatTable, renderStatus } from '../../../src/cli/status-table.ts';
import { buildStatusView } from '../../../src/cli/status-view.ts';
import { condition, dataplane, node, pod } from './status-fixtures.ts';

/** Cells of a rendered table row (columns are separated by at least three spaces, cells hold no such run). */
const cells = (line: string) => line.split(/ {3,}/);

describe('formatTable', () => {
  it('pads every column to its widest cell, three spaces apart, with "-" for empty cells and no trailing blanks', () => {
    const text = formatTable(['NAME', 'CPUS', 'VF'], [['cache-aaaaa', '1-2', ''], ['b', '10-13,42', '0000:3b:02.0']]);
    assert.equal(text, [
      'NAME          CPUS       VF',
      'cache-aaaaa   1-2        -',
      'b             10-13,42   0000:3b:02.0',
      '',
    ].join('\n'));
  });
});

describe('renderStatus', () => {
  const view = buildStatusView({
    dataplanes: [
      dataplane('alpha', 'cache', 2, {
        readyReplicas: 2, coresActive: 3, coresAllocated: 4, p99: '180us', pods: [{ name: 'cache-aaaaa', ready: true, p99: '180us' }],
        conditions: [condition('Ready', 'True', 'AllReplicasReady'), condition('Placed', 'True', 'AllReplicasPlaced')],
      }),
      dataplane('beta', 'huge', 1, {
        readyReplicas: 0, coresActive: 0, coresAllocated: 0,
        conditions: [condition('Ready', 'False', 'Unschedulable'), condition('Placed', 'False', 'InsufficientResources', '1 replica(s) cannot be placed: 0/2 nodes are available')],
      }),
    ],
    pods: [
      pod('alpha', 'cache', 'cache-aaaaa', { node: 'kwok-node-0', cpus: '1,9', active: '1', vf: '0000:3b:02.0', numa: 0 }),
      pod('alpha', 'cache', 'cache-bbbbb', { node: 'kwok-node-1', cpus: '5,13', active: '5,13', numa: 1 }),
      pod('beta', 'huge', 'huge-ccccc'),
    ],
    nodes: [node('kwok-node-0', { allocatedCpus: '1,9', cpusFree: 10, sharedPool: '0,2-8,10-15', vfsFree: 3, vfsTotal: 4, allocations: [] })],
  });
  const text = renderStatus(view);
  const section = (title: string) => {
    const lines = text.split('\n');
    const start = lines.indexOf(title);
    assert.ok(start >= 0, `a ${title} section in:\n${text}`);
    const end = lines.indexOf('', start);
    return lines.slice(start + 1, end);
  };

  it('prints a Dataplane table: ready/wanted replicas, active and allocated cores, p99, conditions', () => {
    const [header, ...rows] = section('DATAPLANES');
    assert.deepEqual(cells(header!), ['NAMESPACE', 'NAME', 'READY', 'CORES-ACTIVE', 'CORES-ALLOCATED', 'P99', 'CONDITIONS']);
    assert.deepEqual(rows.map(cells), [
      ['alpha', 'cache', '2/2', '3', '4', '180us', 'AllReplicasReady'],
      ['beta', 'huge', '0/1', '0', '0', '-', 'Ready=False(Unschedulable), Placed=False(InsufficientResources)'],
    ]);
  });

  it("prints a pod table with each pod's node, NUMA cell, CPUs, active CPUs, VF, readiness and p99", () => {
    const [header, ...rows] = section('PODS');
    assert.deepEqual(cells(header!), ['NAMESPACE', 'DATAPLANE', 'POD', 'NODE', 'STATUS', 'READY', 'NUMA', 'CPUS', 'ACTIVE-CPUS', 'VF', 'P99']);
    assert.deepEqual(rows.map(cells), [
      ['alpha', 'cache', 'cache-aaaaa', 'kwok-node-0', 'Running', 'yes', '0', '1,9', '1', '0000:3b:02.0', '180us'],
      ['alpha', 'cache', 'cache-bbbbb', 'kwok-node-1', 'Running', 'yes', '1', '5,13', '5,13', '-', '-'],
      ['beta', 'huge', 'huge-ccccc', '-', 'Pending', 'no', '-', '-', '-', '-', '-'],
    ]);
  });

  it('prints a node table: CPUs, dedicatable, allocated, free, the sets, and free/total VFs', () => {
    const [header, ...rows] = section('NODES');
    assert.deepEqual(cells(header!), ['NODE', 'CPUS', 'DEDICATABLE', 'ALLOCATED', 'FREE', 'ALLOCATED-CPUS', 'SHARED-POOL', 'VFS-FREE', 'PODS']);
    assert.deepEqual(rows.map(cells), [['kwok-node-0', '16', '12', '2', '10', '1,9', '0,2-8,10-15', '3/4', '0']]);
  });

  it('ends with the conditions that are off, with their messages', () => {
    const lines = text.trimEnd().split('\n');
    const start = lines.indexOf('PROBLEMS');
    assert.deepEqual(lines.slice(start + 1), [
      'beta/huge: Ready=False Unschedulable: Ready is False',
      'beta/huge: Placed=False InsufficientResources: 1 replica(s) cannot be placed: 0/2 nodes are available',
    ]);
  });

  it('drops the namespace column for one namespace, and says when there is nothing', () => {
    const one = renderStatus(buildStatusView({ namespace: 'alpha', dataplanes: [dataplane('alpha', 'cache', 1)], pods: [], nodes: [] }));
    assert.deepEqual(one.split('\n').slice(0, 3).map(cells), [['DATAPLANES'], ['NAME', 'READY', 'CORES-ACTIVE', 'CORES-ALLOCATED', 'P99', 'CONDITIONS'], ['cache', '0/1', '-', '-', '-', '-']]);
    assert.match(one, /No DataplaneNode holds pods in namespace alpha\./);
    assert.doesNotMatch(one, /PODS|PROBLEMS/);
    const none = renderStatus(buildStatusView({ dataplanes: [], pods: [], nodes: [] }));
    assert.equal(none, 'No Dataplanes in any namespace.\n\nNo DataplaneNodes: no node agent has published an inventory.\n');
  });

  it('prints what could not be read as a warning instead of a node table', () => {
    const out = renderStatus(buildStatusView({ dataplanes: [], pods: [], warnings: ['cannot list DataplaneNodes, so no node table: forbidden'] }));
    assert.equal(out, 'No Dataplanes in any namespace.\n\nwarning: cannot list DataplaneNodes, so no node table: forbidden\n');
  });
});
