// How pods on the real node reach the apiserver. In-cluster clients (the operator and the node agent
// in their pods) connect to the `kubernetes` Service's address on port 443, which kube-proxy would
// translate to the apiserver's endpoint. The simulated cluster runs no kube-proxy, and its apiserver
// listens on 127.0.0.1 only, so the harness plays kube-proxy for that one Service: a DNAT of
// <Service IP>:443 to 127.0.0.1:<apiserver port> for packets that arrive from the node's pod bridge.
// Loopback is a destination the kernel refuses for routed packets unless the arriving interface has
// route_localnet set; it is set on the bridge alone. Nothing else is translated, and nothing from
// outside the bridge is: the apiserver stays reachable only from this machine and its test pods.
// The rules live in a chain of their own, named after the bridge, removed with the node.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { KUBERNETES_SERVICE_IP } from './cluster.ts';

export const IPTABLES = '/usr/sbin/iptables';

/** The nat chain holding the node's rules; iptables allows 28 characters. */
export function routeChain(bridge: string): string {
  return `IX-APISERVER-${bridge}`.slice(0, 28);
}

/** Translates <Service IP>:443 from the bridge to the apiserver on loopback (replacing older rules). */
export function routeKubernetesService(bridge: string, apiserverPort: number): void {
  removeKubernetesServiceRoute(bridge);
  const chain = routeChain(bridge);
  iptables(['-t', 'nat', '-N', chain]);
  iptables(['-t', 'nat', '-A', chain, '-d', `${KUBERNETES_SERVICE_IP}/32`, '-p', 'tcp', '--dport', '443',
    '-m', 'comment', '--comment', 'ix-operator test node: the kubernetes Service', '-j', 'DNAT', '--to-destination', `127.0.0.1:${apiserverPort}`]);
  iptables(['-t', 'nat', '-I', 'PREROUTING', '-i', bridge, '-j', chain]);
  fs.writeFileSync(`/proc/sys/net/ipv4/conf/${bridge}/route_localnet`, '1');
}

/** Removes the node's chain and the jump to it; a no-op when there is none. */
export function removeKubernetesServiceRoute(bridge: string): void {
  if (!fs.existsSync(IPTABLES)) return;
  const chain = routeChain(bridge);
  while (iptables(['-t', 'nat', '-D', 'PREROUTING', '-i', bridge, '-j', chain], true)) { /* every copy of the jump */ }
  iptables(['-t', 'nat', '-F', chain], true);
  iptables(['-t', 'nat', '-X', chain], true);
}

function iptables(args: string[], mayFail = false): boolean {
  const r = spawnSync(IPTABLES, ['-w', ...args], { encoding: 'utf8' });
  if (r.status !== 0 && !mayFail) throw new Error(`iptables ${args.join(' ')}: ${r.stderr.trim() || r.error?.message}`);
  return r.status === 0;
}
