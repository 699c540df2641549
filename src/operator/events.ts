// Records core/v1 Events on objects, at the decisions the operator makes. A repeat of the same
// reason and message on the same object within ten minutes bumps the count of the existing Event
// instead of creating another, as client-go's correlator does, so a retry loop cannot flood etcd.
import * as k8s from '@kubernetes/client-node';
import { randomBytes } from 'node:crypto';
import type { Logger } from '../lib/log.ts';

export interface EventTarget { apiVersion: string; kind: string; metadata: { name?: string; namespace?: string; uid?: string } }

const REPEAT_WINDOW_MS = 10 * 60_000;

export class EventRecorder {
  private readonly api: k8s.CoreV1Api;
  private readonly recent = new Map<string, { name: string; count: number; at: number }>();

  constructor(kc: k8s.KubeConfig, private readonly component: string, private readonly log: Logger) {
    this.api = kc.makeApiClient(k8s.CoreV1Api);
  }

  async record(target: EventTarget, type: 'Normal' | 'Warning', reason: string, message: string): Promise<void> {
    const namespace = target.metadata.namespace || 'default';
    const key = `${target.metadata.uid}/${type}/${reason}/${message}`;
    const now = new Date();
    const prev = this.recent.get(key);
    try {
      if (prev && now.getTime() - prev.at < REPEAT_WINDOW_MS) {
        prev.count++;
        prev.at = now.getTime();
        await this.api.patchNamespacedEvent(
          { name: prev.name, namespace, body: { count: prev.count, lastTimestamp: now } },
          k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
        );
        return;
      }
      const name = `${target.metadata.name}.${randomBytes(8).toString('hex')}`;
      await this.api.createNamespacedEvent({
        namespace,
        body: {
          metadata: { name, namespace },
          involvedObject: { apiVersion: target.apiVersion, kind: target.kind, name: target.metadata.name, namespace: target.metadata.namespace, uid: target.metadata.uid },
          type, reason, message: message.slice(0, 1024),
          source: { component: this.component },
          reportingComponent: this.component,
          firstTimestamp: now, lastTimestamp: now, count: 1,
        },
      });
      this.recent.set(key, { name, count: 1, at: now.getTime() });
      if (this.recent.size > 10_000) this.prune(now.getTime());
    } catch (e) {
      // An event is a courtesy to the reader; failing to write one must not fail the reconcile.
      this.log.warn('could not record event', { reason, error: e instanceof Error ? e.message : String(e) });
    }
  }

  private prune(now: number): void {
    for (const [k, v] of this.recent) if (now - v.at > REPEAT_WINDOW_MS) this.recent.delete(k);
  }
}
