// Kubernetes taint/toleration matching, with the same rules as the upstream helper
// (k8s.io/api core/v1 Toleration.ToleratesTaint), so a Dataplane's tolerations mean here what
// they mean to kube-scheduler.
import type { Taint, Toleration } from './types.ts';

export function tolerates(toleration: Toleration, taint: Taint): boolean {
  if (toleration.effect && toleration.effect !== taint.effect) return false;
  // An empty key matches every key; the API server only admits that together with Exists.
  if (toleration.key && toleration.key !== taint.key) return false;
  if (toleration.operator === 'Exists') return true;
  return (toleration.value ?? '') === (taint.value ?? '');
}

export function isTolerated(taint: Taint, tolerations: readonly Toleration[] | undefined): boolean {
  return (tolerations ?? []).some((t) => tolerates(t, taint));
}

/** "{key=value:Effect}" or "{key:Effect}", the form kube-scheduler's messages use. */
export function describeTaint(taint: Taint): string {
  const value = taint.value ? `=${taint.value}` : '';
  return `{${taint.key}${value}:${taint.effect}}`;
}
