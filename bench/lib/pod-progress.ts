// Counts a namespace's pods that are bound and that run, from a watch, and says when the first
// moment came that each count reached a target. A bench that lists 1,000 pods every 100 ms puts
// as much load on the apiserver as some of what it measures; one watch costs it next to nothing.
import * as k8s from '@kubernetes/client-node';

export class PodProgress {
  private readonly bound = new Set<string>();
  private readonly running = new Set<string>();
  private readonly waiters: { what: 'bound' | 'running'; count: number; resolve: (at: number) => void }[] = [];
  private informer: k8s.Informer<k8s.V1Pod> | undefined;
  private stopped = false;

  private constructor(private readonly namespace: string) {}

  static async start(kc: k8s.KubeConfig, namespace: string): Promise<PodProgress> {
    const p = new PodProgress(namespace);
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const informer = k8s.makeInformer(kc, `/api/v1/namespaces/${namespace}/pods`, () => core.listNamespacedPod({ namespace }));
    const seen = (pod: k8s.V1Pod) => p.see(pod);
    informer.on('add', seen);
    informer.on('update', seen);
    informer.on('error', () => setTimeout(() => { if (!p.stopped) void informer.start(); }, 500));
    await informer.start();
    p.informer = informer;
    return p;
  }

  /** Resolves with Date.now() of the moment `count` pods were bound (or running); rejects after timeoutMs. */
  when(what: 'bound' | 'running', count: number, timeoutMs: number): Promise<number> {
    if ((what === 'bound' ? this.bound : this.running).size >= count) return Promise.resolve(Date.now());
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.namespace}: ${(what === 'bound' ? this.bound : this.running).size} of ${count} pods ${what} after ${timeoutMs} ms`)), timeoutMs);
      this.waiters.push({ what, count, resolve: (at) => { clearTimeout(timer); resolve(at); } });
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.informer?.stop();
  }

  private see(pod: k8s.V1Pod): void {
    const name = pod.metadata!.name!;
    if (pod.spec?.nodeName) this.bound.add(name);
    if (pod.status?.phase === 'Running') this.running.add(name);
    for (let i = this.waiters.length - 1; i >= 0; i--) {
      const w = this.waiters[i]!;
      if ((w.what === 'bound' ? this.bound : this.running).size >= w.count) {
        this.waiters.splice(i, 1);
        w.resolve(Date.now());
      }
    }
  }
}
