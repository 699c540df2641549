import YAML from 'yaml';
import { GROUP } from './constants.ts';
import { buildCrd, crdDefinitions } from './crd.ts';

const HEADER = '# Generated from src/api by `npm run generate:crds`. Do not edit.\n';

/** File name → YAML text of every CRD, as written to crds/. */
export function renderCrdFiles(): Record<string, string> {
  const files: Record<string, string> = {};
  for (const def of crdDefinitions) {
    files[`${GROUP}_${def.plural}.yaml`] = HEADER + YAML.stringify(buildCrd(def), { lineWidth: 0 });
  }
  return files;
}
