// Writes docs/api-reference.md from src/api. `npm run generate:api-docs`.
import fs from 'node:fs';
import path from 'node:path';
import { API_DOCS_PATH, renderApiReference } from './api-docs.ts';
import { repoRoot } from '../src/lib/paths.ts';

fs.writeFileSync(path.join(repoRoot, API_DOCS_PATH), renderApiReference());
console.log(`wrote ${API_DOCS_PATH}`);
