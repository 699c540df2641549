// Builds the CustomResourceDefinitions from the TypeBox schemas: the single source of truth.
// `npm run generate:crds` writes them to crds/; a unit test fails when crds/ is stale.
import type { TSchema } from '@sinclair/typebox';
import { Type } from '@sinclair/typebox';
import { GROUP, VERSION } from './constants.ts';
import { DataplaneSpec, DataplaneStatus } from './dataplane.ts';
import { DataplaneNodeSpec, DataplaneNodeStatus } from './dataplane-node.ts';

interface PrinterColumn { name: string; type: 'integer' | 'number' | 'string' | 'boolean' | 'date'; jsonPath: string; description?: string; priority?: number }

interface CrdDefinition {
  kind: string;
  plural: string;
  singular: string;
  shortNames: string[];
  scope: 'Namespaced' | 'Cluster';
  description: string;
  spec: TSchema;
  status: TSchema;
  printerColumns: PrinterColumn[];
  scale?: { specReplicasPath: string; statusReplicasPath: string; labelSelectorPath: string };
  rootValidations?: { rule: string; message: string }[];
}

/**
 * JSON of a TypeBox schema as the API server wants it: no TypeBox symbols, no $id/$schema, and a
 * field with a default is never `required`. The TypeScript types keep such fields required, since
 * the API server fills in defaults before anyone reads the object; but on the wire a user may omit
 * them, and the API server checks that a default object (`{}`) validates before nested defaults apply.
 */
function openApi(schema: TSchema): Record<string, unknown> {
  return JSON.parse(JSON.stringify(schema, (key, value: unknown) => {
    if (key === '$id' || key === '$schema') return undefined;
    if (value && typeof value === 'object' && !Array.isArray(value)) {
      let obj = value as ObjectSchema;
      // An object defaulting to {} gets its nested defaults spelled out: the API server checks the
      // default against CEL rules before it would apply nested defaults.
      if (isPlainObject(obj.default) && obj.properties) obj = { ...obj, default: withNestedDefaults(obj, obj.default) };
      if (obj.required && obj.properties) {
        const required = obj.required.filter((name) => obj.properties?.[name]?.default === undefined);
        const { required: _drop, ...rest } = obj;
        return required.length > 0 ? { ...rest, required } : rest;
      }
      return obj;
    }
    return value;
  })) as Record<string, unknown>;
}

interface ObjectSchema { required?: string[]; properties?: Record<string, ObjectSchema>; default?: unknown }

const isPlainObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

function withNestedDefaults(schema: ObjectSchema, value: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...value };
  for (const [name, prop] of Object.entries(schema.properties ?? {})) {
    if (out[name] === undefined && prop.default !== undefined) out[name] = prop.default;
    if (isPlainObject(out[name]) && prop.properties) out[name] = withNestedDefaults(prop, out[name]);
  }
  return out;
}

export const dataplaneCrd: CrdDefinition = {
  kind: 'Dataplane',
  plural: 'dataplanes',
  singular: 'dataplane',
  shortNames: ['dp'],
  scope: 'Namespaced',
  description: 'A memcached-compatible dataplane with dedicated CPU cores and a pinned SR-IOV VF per replica, whose cores follow its load.',
  spec: DataplaneSpec,
  status: DataplaneStatus,
  printerColumns: [
    { name: 'Replicas', type: 'integer', jsonPath: '.spec.replicas' },
    { name: 'Ready', type: 'integer', jsonPath: '.status.readyReplicas' },
    { name: 'Cores-Active', type: 'integer', jsonPath: '.status.coresActive', description: 'Cores running elastic threads now, over all replicas.' },
    { name: 'Cores-Allocated', type: 'integer', jsonPath: '.status.coresAllocated', description: 'Dedicated cores held, over all replicas.' },
    { name: 'P99', type: 'string', jsonPath: '.status.p99' },
    { name: 'Status', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].reason' },
    { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
  ],
  scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas', labelSelectorPath: '.status.selector' },
  // Pod names are <dataplane>-<ordinal>, and the pods' hostnames; keep them within a DNS label. The
  // name is also the headless Service's, which must be a DNS label starting with a letter (ADR 0012).
  rootValidations: [
    { rule: 'size(self.metadata.name) <= 52', message: 'metadata.name must be at most 52 characters: pod names append a suffix and must stay within 63' },
    { rule: "self.metadata.name.matches('^[a-z]([-a-z0-9]*[a-z0-9])?$')", message: 'metadata.name must be a DNS label starting with a letter (lower case letters, digits, -): it names the Dataplane\'s headless Service' },
  ],
};

export const dataplaneNodeCrd: CrdDefinition = {
  kind: 'DataplaneNode',
  plural: 'dataplanenodes',
  singular: 'dataplanenode',
  shortNames: ['dpn'],
  scope: 'Cluster',
  description: "One per node: its CPUs, NUMA cells and SR-IOV VFs (spec, from the node agent or an admin), and what is dedicated to dataplanes (status).",
  spec: DataplaneNodeSpec,
  status: DataplaneNodeStatus,
  printerColumns: [
    { name: 'CPUs', type: 'integer', jsonPath: '.status.cpusTotal' },
    { name: 'Free', type: 'integer', jsonPath: '.status.cpusFree' },
    { name: 'VFs', type: 'integer', jsonPath: '.status.vfsTotal' },
    { name: 'Free-VFs', type: 'integer', jsonPath: '.status.vfsFree' },
    { name: 'Shared-Pool', type: 'string', jsonPath: '.status.sharedPool', priority: 1 },
    { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
  ],
};

export const crdDefinitions = [dataplaneCrd, dataplaneNodeCrd];

export function buildCrd(def: CrdDefinition): Record<string, unknown> {
  const root = Type.Object({
    apiVersion: Type.Optional(Type.String()),
    kind: Type.Optional(Type.String()),
    metadata: Type.Optional(Type.Object({})),
    spec: def.spec,
    status: Type.Optional(def.status),
  }, {
    description: def.description,
    ...(def.rootValidations ? { 'x-kubernetes-validations': def.rootValidations } : {}),
  });
  const schema = openApi(root);
  // metadata is validated by the API server itself; a CRD may only say it is an object.
  (schema.properties as Record<string, unknown>).metadata = { type: 'object' };
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${def.plural}.${GROUP}`, labels: { 'app.kubernetes.io/part-of': 'ix-operator' } },
    spec: {
      group: GROUP,
      scope: def.scope,
      names: { kind: def.kind, listKind: `${def.kind}List`, plural: def.plural, singular: def.singular, shortNames: def.shortNames, categories: ['ix'] },
      versions: [{
        name: VERSION,
        served: true,
        storage: true,
        schema: { openAPIV3Schema: schema },
        subresources: { status: {}, ...(def.scale ? { scale: def.scale } : {}) },
        additionalPrinterColumns: def.printerColumns,
      }],
    },
  };
}
