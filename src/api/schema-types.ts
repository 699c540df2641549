// Building blocks shared by the CRD schemas. Each is a TypeBox schema, so one definition gives the
// TypeScript type (Static<>) and the OpenAPI v3 the API server validates with.
import { Type, type TSchema, type TUnsafe } from '@sinclair/typebox';

/** A string restricted to `values`. TypeBox's Union of Literals emits anyOf/const, which CRDs reject. */
export function StringEnum<const T extends readonly string[]>(values: T, opts: Record<string, unknown> = {}): TUnsafe<T[number]> {
  return Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...opts });
}

/** A Kubernetes resource quantity such as "512Mi" or "2Gi", validated by the API server's quantity parser. */
export function Quantity(opts: { description: string; default?: string; min?: string; max?: string }): TUnsafe<string> {
  const rules = [{ rule: 'isQuantity(self)', message: `must be a quantity such as 512Mi or 2Gi` }];
  if (opts.min) rules.push({ rule: `!isQuantity(self) || quantity(self).compareTo(quantity('${opts.min}')) >= 0`, message: `must be at least ${opts.min}` });
  if (opts.max) rules.push({ rule: `!isQuantity(self) || quantity(self).compareTo(quantity('${opts.max}')) <= 0`, message: `must be at most ${opts.max}` });
  return Type.Unsafe<string>({
    type: 'string', description: opts.description, maxLength: 32,
    ...(opts.default !== undefined ? { default: opts.default } : {}),
    'x-kubernetes-validations': rules,
  });
}

/** A Go-style duration ("500us", "10ms", "2s"), checked with CEL's duration(). */
export function Duration(opts: { description: string; default?: string; min?: string; max?: string }): TUnsafe<string> {
  // The min/max rules guard on the format so that a malformed value gets one clear message, not a CEL error.
  const wellFormed = "self.matches('^([0-9]+(\\\\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$')";
  const rules = [{ rule: wellFormed, message: 'must be a duration such as 500us, 10ms or 2s' }];
  if (opts.min) rules.push({ rule: `!${wellFormed} || duration(self) >= duration('${opts.min}')`, message: `must be at least ${opts.min}` });
  if (opts.max) rules.push({ rule: `!${wellFormed} || duration(self) <= duration('${opts.max}')`, message: `must be at most ${opts.max}` });
  return Type.Unsafe<string>({
    type: 'string', description: opts.description, maxLength: 32,
    ...(opts.default !== undefined ? { default: opts.default } : {}),
    'x-kubernetes-validations': rules,
  });
}

/** A Linux cpuset list ("0-3,8,10-11"), as in /sys/devices/system/cpu/online. */
export function CpuSet(description: string): TUnsafe<string> {
  return Type.Unsafe<string>({ type: 'string', description, maxLength: 4096, pattern: '^$|^[0-9]+(-[0-9]+)?(,[0-9]+(-[0-9]+)?)*$' });
}

/** A string-to-string map (additionalProperties: TypeBox's Record emits patternProperties, which CRDs refuse). */
export const StringMap = (description: string): TUnsafe<Record<string, string>> =>
  Type.Unsafe<Record<string, string>>({ type: 'object', additionalProperties: { type: 'string' }, description });

// Kubernetes' own syntax rules (k8s.io/apimachinery/pkg/util/validation), as RE2 for CEL and OpenAPI
// patterns alike ([.] rather than an escaped dot: the same text reads the same in both).
const DNS_SUBDOMAIN = '[a-z0-9]([-a-z0-9]*[a-z0-9])?([.][a-z0-9]([-a-z0-9]*[a-z0-9])?)*';
const NAME_PART = '[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?';
const LABEL_KEY_SYNTAX = "an optional DNS subdomain prefix of at most 253 characters and '/', then a name of at most 63 characters (letters, digits, '-', '_', '.') that starts and ends with a letter or digit";
const LABEL_VALUE_SYNTAX = "at most 63 characters (letters, digits, '-', '_', '.') that start and end with a letter or digit, or empty";

/** CEL: `x` is a label key (a qualified name), as Kubernetes checks label and nodeSelector keys. */
const isLabelKey = (x: string) => `${x}.matches('^(${DNS_SUBDOMAIN}/)?${NAME_PART}$') && ${x}.indexOf('/') <= 253`;
/** CEL: `x` is a label value. */
const isLabelValue = (x: string) => `${x}.matches('^(${NAME_PART})?$')`;

/** A map of label keys to label values, such as a nodeSelector, refused as Kubernetes refuses a bad one. */
export function LabelMap(description: string): TUnsafe<Record<string, string>> {
  return Type.Unsafe<Record<string, string>>({
    type: 'object', description, maxProperties: 64, additionalProperties: { type: 'string', maxLength: 63 },
    // The messages name the offending key (the syntax text holds single quotes: the CEL strings are
    // double-quoted); `message` is the fallback, and what the API reference shows.
    'x-kubernetes-validations': [
      { rule: `self.all(k, ${isLabelKey('k')})`, message: `every key must be a label key: ${LABEL_KEY_SYNTAX}`, messageExpression: `"key " + self.filter(k, !(${isLabelKey('k')}))[0] + " is not a label key: it must be ${LABEL_KEY_SYNTAX}"` },
      { rule: `self.all(k, ${isLabelValue('self[k]')})`, message: `every value must be a label value: ${LABEL_VALUE_SYNTAX}`, messageExpression: `"the value of " + self.filter(k, !(${isLabelValue('self[k]')}))[0] + " is not a label value: it must be ${LABEL_VALUE_SYNTAX}"` },
    ],
  });
}

/**
 * An extended resource name such as intel.com/sriov_netdevice, as Kubernetes checks a container's
 * resource limits: a domain-qualified name outside kubernetes.io (whose names are the built-in
 * resources), and not starting with "requests." (the quota prefix).
 */
export function ExtendedResourceName(description: string): TUnsafe<string> {
  const domain = "self.split('/')[0]";
  return Type.Unsafe<string>({
    type: 'string', minLength: 1, maxLength: 317, description,
    'x-kubernetes-validations': [
      { rule: `self.matches('^${DNS_SUBDOMAIN}/${NAME_PART}$') && self.indexOf('/') <= 253`, message: `must be an extended resource name such as intel.com/sriov_netdevice: a DNS domain of at most 253 characters, '/', and a name of at most 63 characters (letters, digits, '-', '_', '.') that starts and ends with a letter or digit` },
      { rule: `${domain} != 'kubernetes.io' && !${domain}.endsWith('.kubernetes.io')`, message: 'must not be in the kubernetes.io domain: its names are the built-in resources, not a device plugin\'s' },
      { rule: "!self.startsWith('requests.')", message: 'must not start with "requests.": Kubernetes keeps that prefix for resource quotas' },
    ],
  });
}

/** A Linux network interface name (a PF's netdev): what the kernel accepts (dev_valid_name). */
export function NetdevName(description?: string): TUnsafe<string> {
  return Type.Unsafe<string>({
    type: 'string', minLength: 1, maxLength: 15, ...(description ? { description } : {}),
    'x-kubernetes-validations': [{ rule: "self.matches('^[^/: \\t\\n]+$') && self != '.' && self != '..'", message: "must be a network interface name: at most 15 characters, none of them '/', ':' or a space, and not '.' or '..'" }],
  });
}

/** core/v1 Toleration, with the checks Kubernetes makes of a pod's (the pods the operator makes carry them). */
export const Toleration = Type.Object({
  key: Type.Optional(Type.Unsafe<string>({
    type: 'string', maxLength: 317,
    'x-kubernetes-validations': [{ rule: `self == '' || ${isLabelKey('self')}`, message: `must be a label key: ${LABEL_KEY_SYNTAX}` }],
  })),
  operator: Type.Optional(StringEnum(['Exists', 'Equal'] as const)),
  value: Type.Optional(Type.Unsafe<string>({
    type: 'string', maxLength: 63,
    'x-kubernetes-validations': [{ rule: isLabelValue('self'), message: `must be a label value: ${LABEL_VALUE_SYNTAX}` }],
  })),
  effect: Type.Optional(StringEnum(['NoSchedule', 'PreferNoSchedule', 'NoExecute'] as const)),
  tolerationSeconds: Type.Optional(Type.Integer({ format: 'int64' })),
}, {
  'x-kubernetes-validations': [
    { rule: "!has(self.operator) || self.operator != 'Exists' || !has(self.value) || self.value == ''", message: 'a toleration with operator Exists must not have a value' },
    { rule: "has(self.key) && self.key != '' || has(self.operator) && self.operator == 'Exists'", message: 'a toleration without a key must use operator Exists' },
    { rule: "!has(self.tolerationSeconds) || has(self.effect) && self.effect == 'NoExecute'", message: 'tolerationSeconds needs effect NoExecute: it is how long a pod stays on a node after such a taint appears' },
  ],
});

/** metav1.Condition, exactly (the shape kubectl wait --for=condition and every tool expects). */
export const Condition = Type.Object({
  type: Type.String({ maxLength: 316, pattern: '^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$' }),
  status: StringEnum(['True', 'False', 'Unknown'] as const),
  observedGeneration: Type.Optional(Type.Integer({ format: 'int64', minimum: 0 })),
  lastTransitionTime: Type.String({ format: 'date-time' }),
  reason: Type.String({ minLength: 1, maxLength: 1024, pattern: '^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$' }),
  message: Type.String({ maxLength: 32768 }),
});

/** Lists keyed by `key`: the API server then rejects duplicates and server-side apply merges per item. */
export function MapList<T extends TSchema>(item: T, key: string, opts: Record<string, unknown> = {}) {
  return Type.Array(item, { 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': [key], ...opts });
}
