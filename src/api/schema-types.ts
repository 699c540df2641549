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

/** A string-to-string map such as a nodeSelector (additionalProperties: TypeBox's Record emits patternProperties, which CRDs refuse). */
export const StringMap = (description: string): TUnsafe<Record<string, string>> =>
  Type.Unsafe<Record<string, string>>({ type: 'object', additionalProperties: { type: 'string' }, description });

/** core/v1 Toleration. */
export const Toleration = Type.Object({
  key: Type.Optional(Type.String({ maxLength: 317 })),
  operator: Type.Optional(StringEnum(['Exists', 'Equal'] as const)),
  value: Type.Optional(Type.String({ maxLength: 63 })),
  effect: Type.Optional(StringEnum(['NoSchedule', 'PreferNoSchedule', 'NoExecute'] as const)),
  tolerationSeconds: Type.Optional(Type.Integer({ format: 'int64' })),
}, {
  'x-kubernetes-validations': [
    { rule: "!has(self.operator) || self.operator != 'Exists' || !has(self.value) || self.value == ''", message: 'a toleration with operator Exists must not have a value' },
    { rule: "has(self.key) && self.key != '' || has(self.operator) && self.operator == 'Exists'", message: 'a toleration without a key must use operator Exists' },
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
