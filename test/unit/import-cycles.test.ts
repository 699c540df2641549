// No import cycles in src/, type-only imports included: a cycle of types is still two modules that
// cannot be understood (or tested, or replaced) one without the other. The reconciler and the
// rebalancer once imported each other's types; now both depend on the allocation book and the
// readings, which depend on neither.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../../src/lib/paths.ts';

/** Relative imports and re-exports of every module under `root`, resolved to absolute paths. */
function importGraph(root: string): Map<string, string[]> {
  const files = fs.readdirSync(root, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts')).map((f) => path.join(root, f));
  const known = new Set(files);
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const source = fs.readFileSync(file, 'utf8');
    const specifiers = [...source.matchAll(/^\s*(?:import|export)\s[^;]*?\sfrom\s+'(\.{1,2}\/[^']+)'/gm)].map((m) => path.resolve(path.dirname(file), m[1]!));
    graph.set(file, specifiers.filter((s) => known.has(s)));
  }
  return graph;
}

/** Every cycle a depth-first walk finds, each as the modules around it. */
function cycles(graph: Map<string, string[]>): string[][] {
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const found: string[][] = [];
  const walk = (node: string): void => {
    state.set(node, 'open');
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (state.get(next) === 'open') found.push(stack.slice(stack.indexOf(next)));
      else if (!state.has(next)) walk(next);
    }
    stack.pop();
    state.set(node, 'done');
  };
  for (const node of graph.keys()) if (!state.has(node)) walk(node);
  return found;
}

describe('the module graph of src/', () => {
  it('finds a cycle where there is one (the check can fail)', () => {
    const graph = new Map([['a', ['b']], ['b', ['c']], ['c', ['a']], ['d', ['a']]]);
    assert.deepEqual(cycles(graph), [['a', 'b', 'c']]);
  });

  it('has no import cycles', () => {
    const root = path.join(repoRoot, 'src');
    const graph = importGraph(root);
    assert.ok(graph.size > 100, `read the modules (${graph.size})`);
    const found = cycles(graph).map((c) => [...c, c[0]!].map((f) => path.relative(root, f)).join(' -> '));
    assert.deepEqual(found, []);
  });
});
