import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { renderCrdFiles } from '../../../src/api/crd-files.ts';
import { repoRoot } from '../../../src/lib/paths.ts';

describe('crds/', () => {
  it('matches what src/api generates (run `npm run generate:crds` after changing the API)', () => {
    const files = renderCrdFiles();
    const onDisk = fs.readdirSync(path.join(repoRoot, 'crds')).filter((f) => f.endsWith('.yaml')).sort();
    assert.deepEqual(onDisk, Object.keys(files).sort(), 'crds/ holds exactly the generated files');
    for (const [name, text] of Object.entries(files)) {
      assert.equal(fs.readFileSync(path.join(repoRoot, 'crds', name), 'utf8'), text, `crds/${name} is stale: run npm run generate:crds`);
    }
  });
});
