import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { assignGroups, flowGroup, FLOW_GROUPS, movedGroups } from '../../../src/dataplane/elastic/flow-table.ts';

const counts = (owners: number[]) => owners.reduce((m, o) => m.set(o, (m.get(o) ?? 0) + 1), new Map<number, number>());

describe('flow table', () => {
  it('hashes a 4-tuple to a stable group, spreading ports over the groups', () => {
    assert.equal(flowGroup('127.0.0.1', 5000, '127.0.0.1', 11211), flowGroup('127.0.0.1', 5000, '127.0.0.1', 11211));
    const seen = new Set(Array.from({ length: 2000 }, (_, i) => flowGroup('127.0.0.1', 30000 + i, '127.0.0.1', 11211)));
    assert.equal(seen.size, FLOW_GROUPS, 'every group used');
  });

  it('balances groups within one and moves only what it must', () => {
    fc.assert(fc.property(fc.uniqueArray(fc.integer({ min: 0, max: 15 }), { minLength: 1, maxLength: 8 }), fc.uniqueArray(fc.integer({ min: 0, max: 15 }), { minLength: 1, maxLength: 8 }), (a, b) => {
      const before = assignGroups(a);
      const after = assignGroups(b, before);
      const c = [...counts(after).values()];
      assert.ok(Math.max(...c) - Math.min(...c) <= 1, 'balanced');
      assert.deepEqual([...counts(after).keys()].sort((x, y) => x - y), [...new Set(b)].sort((x, y) => x - y), 'only the new threads own groups');
      // Lower bound on moves: groups of removed threads, plus the surplus of kept ones over their new quota.
      const moved = movedGroups(before, after).length;
      const kept = new Set(b);
      const orphaned = before.filter((o) => !kept.has(o)).length;
      const ceil = Math.ceil(FLOW_GROUPS / new Set(b).size);
      const surplus = [...counts(before)].filter(([t]) => kept.has(t)).reduce((s, [, n]) => s + Math.max(0, n - ceil), 0);
      assert.ok(moved <= orphaned + surplus + new Set(b).size, `moved ${moved}, needed about ${orphaned + surplus}`);
      assert.deepEqual(assignGroups(b, before), after, 'deterministic');
    }), { numRuns: 300 });
  });

  it('adding a third thread moves about a third of the groups, removing it moves only its own', () => {
    const two = assignGroups([0, 1]);
    const three = assignGroups([0, 1, 2], two);
    assert.equal(movedGroups(two, three).length, 21);
    const back = assignGroups([0, 1], three);
    assert.deepEqual(movedGroups(three, back).sort((x, y) => x - y), three.map((o, g) => (o === 2 ? g : -1)).filter((g) => g >= 0));
    assert.throws(() => assignGroups([]), /at least one thread/);
  });
});
