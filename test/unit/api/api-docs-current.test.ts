import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { API_DOCS_PATH, renderApiReference } from '../../../scripts/api-docs.ts';
import { buildCrd, crdDefinitions } from '../../../src/api/crd.ts';
import { repoRoot } from '../../../src/lib/paths.ts';

interface Node { properties?: Record<string, Node>; items?: Node; 'x-kubernetes-validations'?: { rule: string; message: string }[] }

/** Every property path and every CEL message of a CRD schema, found by a walk of its own (not the generator's). */
function inventory(schema: Node, prefix = ''): { paths: string[]; messages: string[] } {
  const paths: string[] = [];
  const messages = (schema['x-kubernetes-validations'] ?? []).map((v) => v.message);
  const item = schema.items;
  if (item) {
    const sub = inventory(item, `${prefix}[]`);
    paths.push(...sub.paths);
    messages.push(...sub.messages);
  }
  for (const [name, child] of Object.entries(schema.properties ?? {})) {
    const p = prefix ? `${prefix}.${name}` : name;
    paths.push(p);
    const sub = inventory(child, p);
    paths.push(...sub.paths);
    messages.push(...sub.messages);
  }
  return { paths, messages };
}

describe(API_DOCS_PATH, () => {
  const text = renderApiReference();

  it('matches what src/api generates (run `npm run generate:api-docs` after changing the API)', () => {
    assert.equal(fs.readFileSync(path.join(repoRoot, API_DOCS_PATH), 'utf8'), text, `${API_DOCS_PATH} is stale: run npm run generate:api-docs`);
  });

  it('lists every field of spec and status and every CEL rule message of both CRDs', () => {
    for (const def of crdDefinitions) {
      const crd = buildCrd(def) as { spec: { versions: { schema: { openAPIV3Schema: Node } }[] } };
      const { paths, messages } = inventory(crd.spec.versions[0]!.schema.openAPIV3Schema);
      const fields = paths.filter((p) => /^(spec|status)\./.test(p));
      assert.ok(fields.length > 20, `${def.kind} has fields`);
      for (const p of fields) assert.ok(text.includes(`| \`${p}\` |`), `${def.kind}: a row for ${p}`);
      assert.ok(messages.length > 0);
      for (const m of messages) assert.ok(text.includes(`| ${m.replace(/\|/g, '\\|')} |`), `${def.kind}: the CEL message "${m}"`);
    }
  });

  it('gives type, default, bounds and description of a field in its row', () => {
    assert.ok(text.includes('| `spec.cores.min` | integer |  | `1` | 1–512 | Dedicated cores a replica always holds. |'));
    assert.ok(text.includes('| `spec.cores.max` | integer | yes |  | 1–512 |'), 'cores.max has no default, so it is required');
    assert.match(text, /\| `spec\.memory` \| string \(quantity\) \| {2}\| `"64Mi"` \|/);
    assert.match(text, /\| `spec\.network\.numaPolicy` \| string \| {2}\| `"single-numa"` \| one of `single-numa`, `prefer-single-numa` \|/);
    // A cpuset pattern holds "|", which must not split the table cell.
    assert.ok(text.includes('pattern `^$\\|^[0-9]+(-[0-9]+)?(,[0-9]+(-[0-9]+)?)*$`'));
  });
});
