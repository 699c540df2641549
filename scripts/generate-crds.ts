// Writes crds/<group>_<plural>.yaml from src/api. `npm run generate:crds`.
import fs from 'node:fs';
import path from 'node:path';
import { renderCrdFiles } from '../src/api/crd-files.ts';
import { repoRoot } from '../src/lib/paths.ts';

for (const [name, text] of Object.entries(renderCrdFiles())) {
  fs.writeFileSync(path.join(repoRoot, 'crds', name), text);
  console.log(`wrote crds/${name}`);
}
