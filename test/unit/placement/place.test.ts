import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { place } from '../../../src/operator/placement/index.ts';
import type { Allocation, Placement, PlacementFailure, PlacementOutcome } from '../../../src/operator/placement/index.ts';
import { makeNode, request } from './fixtures.ts';

function placed(outcome: PlacementOutcome | undefined): Placement {
  assert.ok(outcome, 'no outcome');
  assert.ok(outcome.ok, outcome.ok ? '' : outcome.reason);
  return outcome;
}

function failed(outcome: PlacementOutcome | undefined): PlacementFailure {
  assert.ok(outcome, 'no outcome');
  assert.ok(!outcome.ok, `expected a failure, got ${JSON.stringify(outcome)}`);
  return outcome;
}

// makeNode() default: one cell, 4 cores, 2 threads: core k = CPUs {k, k+4}.
describe('CPU choice inside a cell', () => {
  it('gives whole physical cores, lowest first, hyperthread siblings together', () => {
    const out = place([makeNode()], [], [request('ns/a', 2), request('ns/b', 2)]);
    assert.deepEqual(placed(out[0]).cpus, [0, 4]);
    assert.deepEqual(placed(out[1]).cpus, [1, 5]);
  });

  it('rounds an odd count up to whole cores when wholeCores (the default)', () => {
    const out = place([makeNode()], [], [request('ns/a', 3), request('ns/b', 1)]);
    assert.deepEqual(placed(out[0]).cpus, [0, 1, 4, 5]);
    assert.deepEqual(placed(out[1]).cpus, [2, 6]);
  });

  it('without wholeCores gives the exact count, splitting a core only for the remainder', () => {
    const out = place([makeNode()], [], [
      request('ns/a', 3, { wholeCores: false }),
      request('ns/b', 1, { wholeCores: false }),
      request('ns/c', 2),
    ]);
    assert.deepEqual(placed(out[0]).cpus, [0, 1, 4]);
    assert.deepEqual(placed(out[1]).cpus, [5], 'fills the broken core before breaking another');
    assert.deepEqual(placed(out[2]).cpus, [2, 6]);
  });

  it('never shares a physical core with another pod under wholeCores', () => {
    const existing: Allocation[] = [{ podKey: 'ns/x', dataplaneKey: 'ns/other', node: 'node-a', numa: 0, cpus: [1], wholeCores: false }];
    const ok = placed(place([makeNode()], existing, [request('ns/a', 6)])[0]);
    assert.deepEqual(ok.cpus, [0, 2, 3, 4, 6, 7]);
    const f = failed(place([makeNode()], existing, [request('ns/a', 7)])[0]);
    assert.equal(f.reason, '0/1 nodes are available: 1 had too few free CPUs on any NUMA cell (needs 7, most free 6).');
  });

  it('never gives a reserved CPU, nor its sibling under wholeCores', () => {
    const node = makeNode({ reservedCpus: [0] });
    assert.deepEqual(placed(place([node], [], [request('ns/a', 2)])[0]).cpus, [1, 5]);
    assert.deepEqual(placed(place([node], [], [request('ns/a', 1, { wholeCores: false })])[0]).cpus, [4]);
    const all = placed(place([node], [], [request('ns/a', 6)])[0]);
    assert.deepEqual(all.cpus, [1, 2, 3, 5, 6, 7]);
    assert.equal(failed(place([node], [], [request('ns/a', 7)])[0]).rejections.cpus, 1);
  });

  it('treats CPUs without siblings as one-thread cores', () => {
    const node = makeNode({ threadsPerCore: 1 });
    assert.deepEqual(placed(place([node], [], [request('ns/a', 3)])[0]).cpus, [0, 1, 2]);
  });
});

// Two cells, 4 cores each, 2 threads: cell 0 = CPUs 0-3,8-11, cell 1 = CPUs 4-7,12-15.
describe('NUMA policy', () => {
  const twoCells = makeNode({ cells: 2 });

  it('single-numa keeps CPUs and VF on one cell and fails when no cell is large enough', () => {
    const p = placed(place([twoCells], [], [request('ns/a', 4, { needVf: true })])[0]);
    assert.equal(p.numa, 0);
    assert.deepEqual(p.cpus, [0, 1, 8, 9]);
    assert.equal(p.vf, '0000:1b:00.0');
    const f = failed(place([twoCells], [], [request('ns/a', 10)])[0]);
    assert.equal(f.reason, '0/1 nodes are available: 1 had too few free CPUs on any NUMA cell (needs 10, most free 8).');
    assert.equal(f.rejections.cpus, 1);
  });

  it('prefer-single-numa spans cells when it must, VF on the cell with most of the CPUs', () => {
    const p = placed(place([twoCells], [], [request('ns/a', 10, { numaPolicy: 'prefer-single-numa', needVf: true })])[0]);
    assert.deepEqual(p.cpus, [0, 1, 2, 3, 4, 8, 9, 10, 11, 12]);
    assert.equal(p.numa, 0);
    assert.equal(p.vf, '0000:1b:00.0');
    assert.equal(p.allocation.numaPolicy, 'prefer-single-numa');
  });

  it('prefer-single-numa still uses one cell when one is large enough', () => {
    const p = placed(place([twoCells], [], [request('ns/a', 4, { numaPolicy: 'prefer-single-numa' })])[0]);
    assert.deepEqual(p.cpus, [0, 1, 8, 9]);
  });

  it('prefer-single-numa spans to reach a VF when the cells with enough CPUs have none', () => {
    const node = makeNode({ cells: 2 }, { vfs: [{ pciAddress: '0000:2b:00.0', pf: 'ens2f0', numa: 1 }] });
    const busy: Allocation[] = [{ podKey: 'ns/x', dataplaneKey: 'ns/o', node: 'node-a', numa: 1, cpus: [4, 5, 6, 12, 13, 14] }];
    assert.equal(failed(place([node], busy, [request('ns/a', 4, { needVf: true })])[0]).reason,
      '0/1 nodes are available: 1 had no free VF on a NUMA cell with enough free CPUs.');
    const p = placed(place([node], busy, [request('ns/a', 4, { needVf: true, numaPolicy: 'prefer-single-numa' })])[0]);
    assert.equal(p.numa, 1);
    assert.equal(p.vf, '0000:2b:00.0');
    assert.deepEqual(p.cpus, [0, 7, 8, 15], 'two on cell 1 (its last core), two on cell 0: a tie keeps the VF cell');
  });

  it('prefers a node that fits on one cell over one that would span', () => {
    const a = makeNode({ name: 'a', cells: 2, coresPerCell: 2 });
    const b = makeNode({ name: 'b', cells: 1, coresPerCell: 4 });
    const p = placed(place([a, b], [], [request('ns/a', 6, { numaPolicy: 'prefer-single-numa' })])[0]);
    assert.equal(p.node, 'b');
  });
});

describe('VFs', () => {
  it('gives each VF once and says when none is left', () => {
    const node = makeNode({ vfsPerCell: 2 });
    const out = place([node], [], [1, 2, 3].map((i) => request(`ns/p${i}`, 1, { needVf: true })));
    assert.equal(placed(out[0]).vf, '0000:1b:00.0');
    assert.equal(placed(out[1]).vf, '0000:1b:00.1');
    const f = failed(out[2]);
    assert.equal(f.rejections.vf, 1);
    assert.match(f.reason, /had no free VF on a NUMA cell with enough free CPUs/);
  });

  it('puts the pod on the cell that has a free VF', () => {
    const node = makeNode({ cells: 2 }, { vfs: [{ pciAddress: '0000:2b:00.3', pf: 'ens2f0', numa: 1 }] });
    const p = placed(place([node], [], [request('ns/a', 2, { needVf: true })])[0]);
    assert.equal(p.numa, 1);
    assert.deepEqual(p.cpus, [4, 12]);
    assert.equal(p.vf, '0000:2b:00.3');
  });

  it('respects allowedPfs', () => {
    const node = makeNode({ vfsPerCell: 4 });
    assert.equal(placed(place([node], [], [request('ns/a', 1, { needVf: true, allowedPfs: ['ens1f1'] })])[0]).vf, '0000:1b:00.1');
    const f = failed(place([node], [], [request('ns/a', 1, { needVf: true, allowedPfs: ['ens9f0'] })])[0]);
    assert.equal(f.reason, '0/1 nodes are available: 1 had no free VF of PF ens9f0 on a NUMA cell with enough free CPUs.');
  });

  it('reads an empty allowedPfs list as no restriction', () => {
    assert.equal(placed(place([makeNode()], [], [request('ns/a', 1, { needVf: true, allowedPfs: [] })])[0]).vf, '0000:1b:00.0');
  });

  it('leaves VFs alone when the request needs none', () => {
    const p = placed(place([makeNode()], [], [request('ns/a', 1)])[0]);
    assert.equal(p.vf, undefined);
    assert.equal(p.allocation.vf, undefined);
  });
});

describe('CPU millis budget', () => {
  it('keeps dedicated CPUs * 1000 + ordinary requests within allocatable', () => {
    const node = makeNode({ allocatableCpuMillis: 7500, nonDataplaneCpuRequestMillis: 3500 });
    const f = failed(place([node], [], [request('ns/a', 6)])[0]);
    assert.equal(f.reason, '0/1 nodes are available: 1 had too little allocatable CPU left (needs 6000m, most free 4000m).');
    assert.equal(f.rejections.cpuBudget, 1);
    assert.deepEqual(placed(place([node], [], [request('ns/a', 4)])[0]).cpus, [0, 1, 4, 5]);
  });

  it('counts the CPUs whole cores round up to', () => {
    const node = makeNode({ allocatableCpuMillis: 3000 });
    assert.equal(failed(place([node], [], [request('ns/a', 3)])[0]).reason,
      '0/1 nodes are available: 1 had too little allocatable CPU left (needs 4000m, most free 3000m).');
    assert.deepEqual(placed(place([node], [], [request('ns/a', 3, { wholeCores: false })])[0]).cpus, [0, 1, 4]);
  });

  it('charges existing allocations', () => {
    const node = makeNode({ allocatableCpuMillis: 4000 });
    const existing: Allocation[] = [{ podKey: 'ns/x', dataplaneKey: 'ns/o', node: 'node-a', numa: 0, cpus: [0, 4] }];
    assert.equal(failed(place([node], existing, [request('ns/a', 4)])[0]).rejections.cpuBudget, 1);
    assert.deepEqual(placed(place([node], existing, [request('ns/a', 2)])[0]).cpus, [1, 5]);
  });
});

describe('hugepages', () => {
  const gi = 2 ** 30;
  it('puts the pod on a cell with enough free hugepages and charges them', () => {
    const node = makeNode({ cells: 2 }, { hugepages: [{ numa: 0, bytes: gi }, { numa: 1, bytes: 2 * gi }] });
    const out = place([node], [], [
      request('ns/a', 2, { hugepagesBytes: 2 * gi }),
      request('ns/b', 2, { hugepagesBytes: gi }),
      request('ns/c', 2, { hugepagesBytes: gi }),
    ]);
    assert.equal(placed(out[0]).numa, 1);
    assert.equal(placed(out[0]).allocation.hugepagesBytes, 2 * gi);
    assert.equal(placed(out[1]).numa, 0);
    assert.equal(failed(out[2]).reason,
      '0/1 nodes are available: 1 had too few free hugepages on a NUMA cell with enough free CPUs (needs 1Gi, most free 0).');
  });

  it('does not check hugepages on nodes whose inventory does not track them', () => {
    assert.ok(place([makeNode()], [], [request('ns/a', 2, { hugepagesBytes: gi })])[0]?.ok);
  });
});

describe('choosing the node', () => {
  it('spreads replicas of one Dataplane over nodes', () => {
    const nodes = ['a', 'b', 'c'].map((name) => makeNode({ name }));
    const out = place(nodes, [], [1, 2, 3, 4].map((i) => request(`ns/p${i}`, 2)));
    assert.deepEqual(out.map((o) => placed(o).node), ['a', 'b', 'c', 'a']);
  });

  it('counts replicas already placed, and only those of the same Dataplane', () => {
    const nodes = ['a', 'b'].map((name) => makeNode({ name }));
    const existing: Allocation[] = [
      { podKey: 'ns/p0', dataplaneKey: 'default/dp', node: 'a', numa: 0, cpus: [0, 4] },
      { podKey: 'ns/q0', dataplaneKey: 'ns/other', node: 'b', numa: 0, cpus: [0, 4] },
      { podKey: 'ns/q1', dataplaneKey: 'ns/other', node: 'b', numa: 0, cpus: [1, 5] },
    ];
    assert.equal(placed(place(nodes, existing, [request('ns/p1', 2)])[0]).node, 'b');
    assert.equal(placed(place(nodes, existing, [request('ns/r', 2, { dataplaneKey: 'ns/third' })])[0]).node, 'b',
      'best fit: b has less left');
  });

  it('packs onto the tightest node that still lets the pod grow to maxCpus', () => {
    const nodes = [makeNode({ name: 'a' }), makeNode({ name: 'b', coresPerCell: 2 })];
    assert.equal(placed(place(nodes, [], [request('ns/p', 2, { maxCpus: 4 })])[0]).node, 'b');
    assert.equal(placed(place(nodes, [], [request('ns/p', 2, { maxCpus: 6 })])[0]).node, 'a');
  });

  it('counts the CPU budget in the room to grow', () => {
    const nodes = [makeNode({ name: 'a', allocatableCpuMillis: 2000 }), makeNode({ name: 'b' })];
    assert.equal(placed(place(nodes, [], [request('ns/p', 2, { maxCpus: 4 })])[0]).node, 'b');
  });

  it('without room for maxCpus anywhere, takes the node with the most room', () => {
    const nodes = [makeNode({ name: 'a', coresPerCell: 2 }), makeNode({ name: 'b', coresPerCell: 3 })];
    assert.equal(placed(place(nodes, [], [request('ns/p', 2, { maxCpus: 16 })])[0]).node, 'b');
  });

  it('later requests see earlier placements of the same call', () => {
    const out = place([makeNode()], [], [request('ns/a', 4), request('ns/b', 4), request('ns/c', 2)]);
    assert.deepEqual(placed(out[0]).cpus, [0, 1, 4, 5]);
    assert.deepEqual(placed(out[1]).cpus, [2, 3, 6, 7]);
    assert.equal(failed(out[2]).reason, '0/1 nodes are available: 1 had too few free CPUs on any NUMA cell (needs 2, most free 0).');
  });

  it('does not depend on the order of the node list', () => {
    const nodes = ['c', 'a', 'b'].map((name) => makeNode({ name }));
    const reqs = [1, 2, 3].map((i) => request(`ns/p${i}`, 2));
    assert.deepEqual(place(nodes, [], reqs), place([...nodes].reverse(), [], reqs));
  });
});

describe('failures', () => {
  it('aggregates the reasons of every node like kube-scheduler', () => {
    const pool = { pool: 'ix' };
    const nodes = [
      makeNode({ name: 'n1' }, { ready: false, labels: pool }),
      makeNode({ name: 'n2' }, { ready: false, labels: pool }),
      makeNode({ name: 'n3' }, { unschedulable: true, labels: pool }),
      makeNode({ name: 'n4' }, { labels: { pool: 'batch' } }),
      makeNode({ name: 'n5' }, { labels: pool, taints: [{ key: 'key', value: 'value', effect: 'NoSchedule' }] }),
      makeNode({ name: 'n6', cells: 2, coresPerCell: 3 }, { labels: pool }),
    ];
    const f = failed(place(nodes, [], [request('ns/p', 8, { nodeSelector: pool })])[0]);
    assert.equal(f.reason, '0/6 nodes are available: 2 not ready, 1 unschedulable, 1 did not match the node selector, '
      + '1 had an untolerated taint {key=value:NoSchedule}, 1 had too few free CPUs on any NUMA cell (needs 8, most free 6).');
    assert.deepEqual(f.rejections, { notReady: 2, beingRemoved: 0, unschedulable: 1, nodeSelector: 1, taint: 1, cpuBudget: 0, cpus: 1, vf: 0, hugepages: 0 });
    assert.equal(f.totalNodes, 6);
    assert.equal(f.podKey, 'ns/p');
  });

  it('reports the most free CPUs over all nodes, and the node total under prefer-single-numa', () => {
    const nodes = [makeNode({ name: 'a', coresPerCell: 2 }), makeNode({ name: 'b', cells: 2, coresPerCell: 3 })];
    assert.match(failed(place(nodes, [], [request('ns/p', 14)])[0]).reason, /2 had too few free CPUs on any NUMA cell \(needs 14, most free 6\)/);
    assert.match(failed(place(nodes, [], [request('ns/p', 14, { numaPolicy: 'prefer-single-numa' })])[0]).reason,
      /2 had too few free CPUs \(needs 14, most free 12\)/);
  });

  it('says so when there are no nodes', () => {
    assert.equal(failed(place([], [], [request('ns/p', 1)])[0]).reason, '0/0 nodes are available: no nodes.');
  });

  it('refuses to place a pod that already holds CPUs', () => {
    const existing: Allocation[] = [{ podKey: 'ns/p', dataplaneKey: 'default/dp', node: 'node-a', numa: 0, cpus: [0, 4] }];
    assert.match(failed(place([makeNode()], existing, [request('ns/p', 2)])[0]).reason, /already holds CPUs on node node-a/);
    const twice = place([makeNode()], [], [request('ns/p', 2), request('ns/p', 2)]);
    assert.ok(twice[0]?.ok);
    assert.match(failed(twice[1]).reason, /already holds/);
  });

  it('throws on requests no Dataplane spec can produce', () => {
    assert.throws(() => place([makeNode()], [], [request('ns/p', 0)]), RangeError);
    assert.throws(() => place([makeNode()], [], [request('ns/p', 1.5)]), RangeError);
    assert.throws(() => place([makeNode()], [], [request('ns/p', 4, { maxCpus: 2 })]), /maxCpus/);
    assert.throws(() => place([makeNode()], [], [request('ns/p', 1, { hugepagesBytes: -1 })]), /hugepages/);
  });

  it('does not modify its inputs', () => {
    const nodes = [makeNode()];
    const existing: Allocation[] = [{ podKey: 'ns/x', dataplaneKey: 'ns/o', node: 'node-a', numa: 0, cpus: [0, 4] }];
    const reqs = [request('ns/p', 2)];
    const before = JSON.stringify([nodes, existing, reqs]);
    place(nodes, existing, reqs);
    assert.equal(JSON.stringify([nodes, existing, reqs]), before);
  });
});
