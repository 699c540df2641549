// Property tests: random topologies, random existing allocations made by earlier place() calls,
// random request sequences and grow/shrink steps. The oracles here are written from the rules, not
// from the implementation, so that a shared mistake does not pass unnoticed.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { checkAllocations, freeCpus, grow, place, shrink } from '../../../src/operator/placement/index.ts';
import type {
  Allocation, PlacementNode, PlacementRequest, Taint, Toleration,
} from '../../../src/operator/placement/index.ts';
import { cpuLayout, vfLayout } from './fixtures.ts';

const GI = 2 ** 30;

const TAINTS: Taint[] = [
  { key: 'dedicated', value: 'ix', effect: 'NoSchedule' },
  { key: 'maintenance', effect: 'NoExecute' },
  { key: 'spot', effect: 'PreferNoSchedule' },
];

const TOLERATIONS: Toleration[] = [
  { key: 'dedicated', operator: 'Equal', value: 'ix', effect: 'NoSchedule' },
  { key: 'maintenance', operator: 'Exists', effect: 'NoExecute' },
  { key: 'node.kubernetes.io/unschedulable', operator: 'Exists' },
  { operator: 'Exists' },
];

interface NodeOptions {
  plain: boolean;
}

function nodeArb(name: string, { plain }: NodeOptions): fc.Arbitrary<PlacementNode> {
  return fc.record({
    cells: fc.integer({ min: 1, max: 4 }),
    coresPerCell: fc.integer({ min: 1, max: 6 }),
    threads: fc.integer({ min: 1, max: 2 }),
    interleaved: fc.boolean(),
    reserved: fc.uniqueArray(fc.integer({ min: 0, max: 47 }), { maxLength: 4 }),
    vfsPerCell: fc.integer({ min: 0, max: 3 }),
    vfCellMask: fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }),
    budgetCut: fc.integer({ min: 0, max: 4 }),
    nonDataplane: fc.integer({ min: 0, max: 2500 }),
    hugepages: fc.option(fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 4, maxLength: 4 }), { nil: undefined }),
    // Mostly usable nodes, so that sequences build up real allocations to break invariants with.
    ready: plain ? fc.constant(true) : fc.constantFrom(true, true, true, false),
    unschedulable: plain ? fc.constant(false) : fc.constantFrom(false, false, false, true),
    zone: fc.constantFrom('a', 'b'),
    taints: plain ? fc.constant<Taint[]>([]) : fc.oneof(fc.constant<Taint[]>([]), fc.constant<Taint[]>([]), fc.subarray(TAINTS)),
  }).map((s) => {
    const cpus = cpuLayout(s.cells, s.coresPerCell, s.threads, s.interleaved);
    const vfs = vfLayout(s.cells, s.vfsPerCell, ['p0', 'p1']).filter((vf) => s.vfCellMask[vf.numa]);
    const allocatable = plain ? cpus.length * 1000 + 1000 : Math.max(0, (cpus.length - s.budgetCut) * 1000);
    const node: PlacementNode = {
      name,
      ready: s.ready,
      unschedulable: s.unschedulable,
      labels: { zone: s.zone },
      taints: s.taints,
      cpus,
      reservedCpus: s.reserved,
      vfs,
      allocatableCpuMillis: allocatable,
      nonDataplaneCpuRequestMillis: plain ? 0 : Math.min(s.nonDataplane, allocatable),
    };
    if (s.hugepages && !plain) node.hugepages = s.hugepages.slice(0, s.cells).map((g, numa) => ({ numa, bytes: g * GI }));
    return node;
  });
}

function nodesArb(options: NodeOptions, max = 4): fc.Arbitrary<PlacementNode[]> {
  return fc.integer({ min: 1, max }).chain((n) =>
    fc.tuple(...Array.from({ length: n }, (_, i) => nodeArb(`node-${i}`, options))));
}

interface RequestOptions {
  plain: boolean;
}

const requestShapeArb = ({ plain }: RequestOptions) => fc.record({
  cpus: fc.integer({ min: 1, max: 6 }),
  extra: fc.integer({ min: 0, max: 4 }),
  dataplane: fc.constantFrom('ns/dp1', 'ns/dp2', 'ns/dp3'),
  needVf: plain ? fc.constant(false) : fc.boolean(),
  allowedPfs: plain ? fc.constant(undefined) : fc.oneof(fc.constant(undefined), fc.subarray(['p0', 'p1', 'p9'])),
  // Mostly without a selector, so that requests compete for the same nodes.
  zone: plain ? fc.constant(undefined) : fc.oneof(fc.constant(undefined), fc.constant(undefined), fc.constantFrom('a', 'b')),
  tolerations: plain ? fc.constant<Toleration[]>([]) : fc.subarray(TOLERATIONS),
  numaPolicy: fc.constantFrom('single-numa' as const, 'prefer-single-numa' as const),
  wholeCores: fc.boolean(),
  hugepages: plain ? fc.constant(0) : fc.constantFrom(0, 0, GI, 2 * GI),
});

type RequestShape = ReturnType<typeof requestShapeArb> extends fc.Arbitrary<infer T> ? T : never;

function toRequest(shape: RequestShape, podKey: string): PlacementRequest {
  const r: PlacementRequest = {
    podKey,
    dataplaneKey: shape.dataplane,
    cpus: shape.cpus,
    maxCpus: shape.cpus + shape.extra,
    needVf: shape.needVf,
    tolerations: shape.tolerations,
    numaPolicy: shape.numaPolicy,
    wholeCores: shape.wholeCores,
  };
  if (shape.allowedPfs) r.allowedPfs = shape.allowedPfs;
  if (shape.zone) r.nodeSelector = { zone: shape.zone };
  if (shape.hugepages) r.hugepagesBytes = shape.hugepages;
  return r;
}

/** Allocations made by an earlier place() call, as the operator would find them on pods. */
function existingFrom(nodes: PlacementNode[], shapes: RequestShape[]): Allocation[] {
  const out = place(nodes, [], shapes.map((s, i) => toRequest(s, `old/p${i}`)));
  return out.flatMap((o) => (o.ok ? [o.allocation] : []));
}

function assertNothingHeldTwice(allocations: readonly Allocation[]): void {
  const cpus = new Set<string>();
  const vfs = new Set<string>();
  for (const a of allocations) {
    for (const id of a.cpus) {
      const key = `${a.node}/${id}`;
      assert.ok(!cpus.has(key), `CPU ${key} given twice`);
      cpus.add(key);
    }
    if (a.vf !== undefined) {
      const key = `${a.node}/${a.vf}`;
      assert.ok(!vfs.has(key), `VF ${key} given twice`);
      vfs.add(key);
    }
  }
}

const opArb = (plain: boolean) => fc.oneof(
  fc.record({ op: fc.constant('place' as const), shapes: fc.array(requestShapeArb({ plain }), { minLength: 1, maxLength: 5 }) }),
  fc.record({ op: fc.constant('grow' as const), pick: fc.nat(), n: fc.integer({ min: 1, max: 4 }) }),
  fc.record({ op: fc.constant('shrink' as const), pick: fc.nat(), n: fc.integer({ min: 1, max: 4 }) }),
);

describe('placement properties', () => {
  it('never gives a CPU or VF twice, and checkAllocations stays clean over place/grow/shrink', () => {
    fc.assert(fc.property(
      nodesArb({ plain: false }),
      fc.array(opArb(false), { minLength: 1, maxLength: 10 }),
      (nodes, ops) => {
        let allocations: Allocation[] = [];
        let serial = 0;
        for (const step of ops) {
          if (step.op === 'place') {
            const out = place(nodes, allocations, step.shapes.map((s) => toRequest(s, `ns/p${serial++}`)));
            allocations = [...allocations, ...out.flatMap((o) => (o.ok ? [o.allocation] : []))];
          } else if (allocations.length > 0) {
            const index = step.pick % allocations.length;
            const target = allocations[index] as Allocation;
            const node = nodes.find((n) => n.name === target.node) as PlacementNode;
            const result = step.op === 'grow'
              ? grow(node, allocations, target.podKey, step.n)
              : shrink(node, target, step.n);
            if (result.ok) allocations = allocations.map((a, i) => (i === index ? result.allocation : a));
          }
          assertNothingHeldTwice(allocations);
          assert.deepEqual(checkAllocations(nodes, allocations), []);
        }
      },
    ), { numRuns: 300 });
  });

  it('finds a place on a plain node exactly when some cell (or, spanning, the node) has the CPUs', () => {
    fc.assert(fc.property(
      nodeArb('solo', { plain: true }),
      fc.array(requestShapeArb({ plain: true }), { maxLength: 6 }),
      requestShapeArb({ plain: true }),
      (node, earlier, shape) => {
        const existing = existingFrom([node], earlier);
        const wholeCores = shape.wholeCores;
        // What each cell can give, computed from the free CPU list and the sibling relation alone.
        const free = new Set(freeCpus(node, existing));
        const capacity = new Map<number, number>();
        const cores = new Map<string, number[]>();
        for (const cpu of node.cpus) {
          const key = `${cpu.socket}:${cpu.core}`;
          cores.set(key, [...(cores.get(key) ?? []), cpu.id]);
        }
        const numaOf = new Map(node.cpus.map((c) => [c.id, c.numa]));
        for (const ids of cores.values()) {
          const numa = numaOf.get(ids[0] as number) as number;
          const freeIds = ids.filter((id) => free.has(id));
          const gives = wholeCores ? (freeIds.length === ids.length ? ids.length : 0) : freeIds.length;
          capacity.set(numa, (capacity.get(numa) ?? 0) + gives);
        }
        const best = Math.max(0, ...capacity.values());
        const total = [...capacity.values()].reduce((a, b) => a + b, 0);
        const [outcome] = place([node], existing, [toRequest(shape, 'ns/new')]);
        assert.ok(outcome);
        const expected = shape.numaPolicy === 'single-numa' ? best >= shape.cpus : total >= shape.cpus;
        assert.equal(outcome.ok, expected, outcome.ok ? 'placed although nothing fits' : outcome.reason);
        if (!outcome.ok) return;
        assert.ok(outcome.cpus.length >= shape.cpus);
        if (!wholeCores) assert.equal(outcome.cpus.length, shape.cpus);
        for (const id of outcome.cpus) assert.ok(free.has(id), `CPU ${id} was not free`);
        if (shape.numaPolicy === 'single-numa') {
          for (const id of outcome.cpus) assert.equal(numaOf.get(id), outcome.numa);
        }
        if (wholeCores) {
          const given = new Set(outcome.cpus);
          for (const ids of cores.values()) {
            assert.ok(ids.every((id) => given.has(id)) || ids.every((id) => !given.has(id)), `core ${ids} split`);
          }
        }
      },
    ));
  });

  it('is deterministic: same input, same output, whatever the order of the node list', () => {
    fc.assert(fc.property(
      nodesArb({ plain: false }),
      fc.array(requestShapeArb({ plain: false }), { maxLength: 6 }),
      fc.array(requestShapeArb({ plain: false }), { minLength: 1, maxLength: 6 }),
      (nodes, earlier, shapes) => {
        const existing = existingFrom(nodes, earlier);
        const requests = shapes.map((s, i) => toRequest(s, `ns/p${i}`));
        const first = place(nodes, existing, requests);
        assert.deepEqual(place(structuredClone(nodes), structuredClone(existing), structuredClone(requests)), first);
        assert.deepEqual(place([...nodes].reverse(), existing, requests), first);
      },
    ));
  });

  it('placing requests in one call equals placing them one call at a time, each seeing the last', () => {
    fc.assert(fc.property(
      nodesArb({ plain: false }),
      fc.array(requestShapeArb({ plain: false }), { minLength: 1, maxLength: 8 }),
      (nodes, shapes) => {
        const requests = shapes.map((s, i) => toRequest(s, `ns/p${i}`));
        const together = place(nodes, [], requests);
        let allocations: Allocation[] = [];
        const oneByOne = requests.map((r) => {
          const [outcome] = place(nodes, allocations, [r]);
          assert.ok(outcome);
          if (outcome.ok) allocations = [...allocations, outcome.allocation];
          return outcome;
        });
        assert.deepEqual(oneByOne, together);
      },
    ));
  });

  it('places only on ready nodes that match the selector and whose taints are tolerated', () => {
    // Written from the Kubernetes rules independently of the module's own matcher.
    const tolerated = (taint: Taint, tolerations: Toleration[]): boolean => tolerations.some((t) =>
      (!t.effect || t.effect === taint.effect)
      && (!t.key || t.key === taint.key)
      && (t.operator === 'Exists' || (t.value ?? '') === (taint.value ?? '')));
    fc.assert(fc.property(
      nodesArb({ plain: false }),
      fc.array(requestShapeArb({ plain: false }), { minLength: 1, maxLength: 8 }),
      (nodes, shapes) => {
        const requests = shapes.map((s, i) => toRequest(s, `ns/p${i}`));
        const outcomes = place(nodes, [], requests);
        outcomes.forEach((outcome, i) => {
          const request = requests[i] as PlacementRequest;
          if (!outcome.ok) {
            const rejected = Object.values(outcome.rejections).reduce((a, b) => a + b, 0);
            assert.equal(rejected, nodes.length, 'every node is rejected for exactly one reason');
            return;
          }
          const node = nodes.find((n) => n.name === outcome.node) as PlacementNode;
          const tolerations = request.tolerations ?? [];
          assert.ok(node.ready);
          assert.ok(!node.unschedulable
            || tolerated({ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }, tolerations));
          for (const [k, v] of Object.entries(request.nodeSelector ?? {})) assert.equal(node.labels[k], v);
          for (const taint of node.taints) {
            if (taint.effect !== 'PreferNoSchedule') assert.ok(tolerated(taint, tolerations), `taint ${taint.key}`);
          }
          if (request.needVf) {
            const vf = node.vfs.find((v) => v.pciAddress === outcome.vf);
            assert.ok(vf, 'a VF of the node');
            assert.equal(vf.numa, outcome.numa);
            if (request.allowedPfs?.length) assert.ok(request.allowedPfs.includes(vf.pf));
          }
        });
      },
    ));
  });
});
