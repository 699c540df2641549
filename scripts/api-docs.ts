// The API reference (docs/api-reference.md), rendered from the CRDs that src/api generates: every
// field path with its type, default, bounds, pattern and description, and every CEL rule with its
// message. It reads the same openAPIV3Schema the API server validates with, so the document says
// what the server enforces (which fields are required once defaults apply, the nested defaults).
import { GROUP, VERSION } from '../src/api/constants.ts';
import { buildCrd, crdDefinitions } from '../src/api/crd.ts';

export const API_DOCS_PATH = 'docs/api-reference.md';

interface Schema {
  type?: string;
  format?: string;
  description?: string;
  default?: unknown;
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  additionalProperties?: Schema | boolean;
  enum?: unknown[];
  pattern?: string;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  'x-kubernetes-list-type'?: string;
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-validations'?: { rule: string; message: string }[];
}

interface CrdObject {
  spec: {
    names: { kind: string; plural: string; shortNames?: string[] };
    scope: string;
    versions: {
      schema: { openAPIV3Schema: Schema };
      subresources?: { status?: object; scale?: { specReplicasPath: string; statusReplicasPath: string; labelSelectorPath?: string } };
      additionalPrinterColumns?: { name: string; type: string; jsonPath: string; description?: string; priority?: number }[];
    }[];
  };
}

interface FieldRow { path: string; schema: Schema; required: boolean }

/** Text safe inside a Markdown table cell. */
const cell = (s: string): string => s.replace(/\|/g, '\\|').replace(/\n+/g, ' ');
/** Inline code that survives a table cell (pipes escaped; backticks in the text widen the fence). */
const code = (s: string): string => (s.includes('`') ? `\`\` ${cell(s)} \`\`` : `\`${cell(s)}\``);

const rulesOf = (s: Schema) => s['x-kubernetes-validations'] ?? [];

export function typeOf(s: Schema): string {
  if (s.type === 'array') {
    const item = s.items ? typeOf(s.items) : 'any';
    return `[]${item.includes(' ') ? `(${item})` : item}`;
  }
  if (s.type === 'object' && s.additionalProperties && typeof s.additionalProperties === 'object') {
    return `map[string]${typeOf(s.additionalProperties)}`;
  }
  if (s.type === 'string') {
    const rules = rulesOf(s).map((r) => r.rule).join(' ');
    if (rules.includes('isQuantity(self)')) return 'string (quantity)';
    if (rules.includes('duration(self)') || rules.includes('(ns|us|µs|ms|s|m|h)')) return 'string (duration)';
    if (s.format) return `string (${s.format})`;
    return 'string';
  }
  if (s.type === 'integer' && s.format) return `integer (${s.format})`;
  return s.type ?? 'any';
}

function range(min: number | undefined, max: number | undefined, what: string): string | undefined {
  if (min !== undefined && max !== undefined) return `${what}${min}–${max}`;
  if (min !== undefined) return `${what}≥ ${min}`;
  if (max !== undefined) return `${what}≤ ${max}`;
  return undefined;
}

export function constraintsOf(s: Schema): string[] {
  const out: string[] = [];
  if (s.enum) out.push(`one of ${s.enum.map((v) => code(String(v))).join(', ')}`);
  const r = range(s.minimum, s.maximum, '');
  if (r) out.push(r);
  const len = range(s.minLength, s.maxLength, 'length ');
  if (len) out.push(len);
  const items = range(s.minItems, s.maxItems, 'items ');
  if (items) out.push(items);
  if (s['x-kubernetes-list-type'] === 'map') out.push(`unique by ${(s['x-kubernetes-list-map-keys'] ?? []).map(code).join(', ')}`);
  if (s['x-kubernetes-list-type'] === 'set') out.push('unique items');
  if (s.pattern !== undefined) out.push(`pattern ${code(s.pattern)}`);
  const n = rulesOf(s).length;
  if (n > 0) out.push(`${n} CEL rule${n > 1 ? 's' : ''}`);
  const m = s.type === 'array' && s.items ? rulesOf(s.items).length : 0;
  if (m > 0) out.push(`${m} CEL rule${m > 1 ? 's' : ''} on each item`);
  return out;
}

export function defaultOf(s: Schema): string {
  if (s.default === undefined) return '';
  // An object default carries its fields' defaults, listed on the fields themselves.
  if (s.default !== null && typeof s.default === 'object' && !Array.isArray(s.default)) return code('{}');
  return code(JSON.stringify(s.default));
}

/** Every field below `schema`, depth first in declaration order; array items appear as `path[]`. */
export function fieldsOf(schema: Schema, prefix: string): FieldRow[] {
  const rows: FieldRow[] = [];
  const visit = (s: Schema, path: string) => {
    const obj = s.type === 'array' && s.items ? s.items : s;
    const base = s.type === 'array' ? `${path}[]` : path;
    for (const [name, child] of Object.entries(obj.properties ?? {})) {
      const p = base ? `${base}.${name}` : name;
      rows.push({ path: p, schema: child, required: obj.required?.includes(name) ?? false });
      visit(child, p);
    }
  };
  visit(schema, prefix);
  return rows;
}

function crdSection(crd: CrdObject, description: string): string {
  const { names, scope } = crd.spec;
  const version = crd.spec.versions[0]!;
  const root = version.schema.openAPIV3Schema;
  const out: string[] = [];
  out.push(`## ${names.kind}`, '');
  out.push(description, '');
  out.push(`- API version: \`${GROUP}/${VERSION}\``);
  out.push(`- Scope: ${scope}; resource \`${names.plural}\`${names.shortNames?.length ? `, short name${names.shortNames.length > 1 ? 's' : ''} ${names.shortNames.map((n) => `\`${n}\``).join(', ')}` : ''}`);
  const sub = version.subresources ?? {};
  const subs = [...(sub.status ? ['`status`'] : []), ...(sub.scale ? [`\`scale\` (replicas \`${sub.scale.specReplicasPath}\`, selector \`${sub.scale.labelSelectorPath ?? ''}\`)`] : [])];
  if (subs.length) out.push(`- Subresources: ${subs.join(', ')}`);
  out.push('');
  const columns = version.additionalPrinterColumns ?? [];
  if (columns.length) {
    out.push(`\`kubectl get ${names.shortNames?.[0] ?? names.plural}\` columns:`, '');
    out.push('| Column | Type | JSON path | Description |', '|---|---|---|---|');
    for (const c of columns) out.push(`| ${c.name}${c.priority ? ' (`-o wide`)' : ''} | ${c.type} | ${code(c.jsonPath)} | ${cell(c.description ?? '')} |`);
    out.push('');
  }
  for (const part of ['spec', 'status'] as const) {
    const schema = root.properties?.[part];
    if (!schema) continue;
    out.push(`### ${part}`, '');
    if (schema.description) out.push(cell(schema.description), '');
    out.push('| Field | Type | Required | Default | Validation | Description |', '|---|---|---|---|---|---|');
    for (const f of fieldsOf(schema, part)) {
      out.push(`| ${code(f.path)} | ${cell(typeOf(f.schema))} | ${f.required ? 'yes' : ''} | ${defaultOf(f.schema)} | ${constraintsOf(f.schema).join('; ')} | ${cell(f.schema.description ?? '')} |`);
    }
    out.push('');
  }
  const rules = [
    ...rulesOf(root).map((r) => ({ path: '(object)', ...r })),
    ...['spec', 'status'].flatMap((part) => {
      const schema = root.properties?.[part];
      if (!schema) return [];
      return [{ path: part, schema }, ...fieldsOf(schema, part)].flatMap((f) => [
        ...rulesOf(f.schema).map((r) => ({ path: f.path, ...r })),
        ...(f.schema.type === 'array' && f.schema.items ? rulesOf(f.schema.items).map((r) => ({ path: `${f.path}[]`, ...r })) : []),
      ]);
    }),
  ];
  if (rules.length) {
    out.push('### Validation rules (CEL)', '');
    out.push('The API server evaluates these on every create and update and refuses the object with the message.', '');
    out.push('| Field | Rule | Message |', '|---|---|---|');
    for (const r of rules) out.push(`| ${code(r.path)} | ${code(r.rule)} | ${cell(r.message)} |`);
    out.push('');
  }
  return out.join('\n');
}

export function renderApiReference(): string {
  const head = [
    '<!-- Generated from src/api by `npm run generate:api-docs` (scripts/generate-api-docs.ts). Do not edit. -->',
    '',
    '# API reference',
    '',
    `The resources of API group \`${GROUP}\`, version \`${VERSION}\`, as the CRDs in \`crds/\` define them. Both come`,
    'from the TypeBox schemas in `src/api`; a unit test fails when this page or the CRDs are stale.',
    '',
    'Conventions:',
    '',
    '- **Field** paths start at the resource; `[]` marks the items of a list.',
    '- **Required** fields must be given. A field with a default never is: the API server fills it in.',
    '  An object whose default is `{}` gets the defaults of its fields, so a Dataplane may omit it whole.',
    '- **Validation** lists bounds (inclusive), lengths, list sizes, patterns and how many CEL rules the field',
    '  has; the rules and their messages are in the table after the fields.',
    '- `string (quantity)` is a Kubernetes quantity (`512Mi`, `2Gi`); `string (duration)` a Go duration',
    '  (`500us`, `10ms`, `2s`); cpuset strings are Linux cpuset lists (`0-3,8,10-11`).',
    '',
    'Contents: ' + crdDefinitions.map((d) => `[${d.kind}](#${d.kind.toLowerCase()})`).join(', '),
    '',
  ].join('\n');
  const sections = crdDefinitions.map((def) => crdSection(buildCrd(def) as unknown as CrdObject, def.description));
  return `${head}\n${sections.join('\n')}`;
}
