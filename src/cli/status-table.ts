// Text of `ixctl status`: aligned columns as kubectl prints them (upper-case headers, three spaces
// between columns, "-" for a value nobody reported yet). Pure: rows in, text out.
import type { StatusView } from './status-view.ts';

const NONE = '-';
const GAP = '   ';

/** Columns padded to their widest cell; the last column is not padded (no trailing blanks). */
export function formatTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const cells = [headers, ...rows].map((r) => headers.map((_, i) => (r[i] === undefined || r[i] === '' ? NONE : r[i]!)));
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => r[i]!.length)));
  return cells.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join(GAP)).join('\n') + '\n';
}

const num = (n: number | undefined): string => (n === undefined ? NONE : String(n));
const ratio = (a: number | undefined, b: number | undefined): string => (a === undefined && b === undefined ? NONE : `${num(a)}/${num(b)}`);

export function renderStatus(view: StatusView): string {
  const where = view.namespace === undefined ? 'in any namespace' : `in namespace ${view.namespace}`;
  const nsCol = view.namespace === undefined;
  const out: string[] = [];

  if (view.dataplanes.length === 0) {
    out.push(`No Dataplanes ${where}.\n`);
  } else {
    out.push('DATAPLANES\n' + formatTable(
      [...(nsCol ? ['NAMESPACE'] : []), 'NAME', 'READY', 'CORES-ACTIVE', 'CORES-ALLOCATED', 'P99', 'CONDITIONS'],
      view.dataplanes.map((d) => [
        ...(nsCol ? [d.namespace] : []), d.name, `${d.replicas.ready}/${d.replicas.wanted}`,
        num(d.cores.active), num(d.cores.allocated), d.p99 ?? NONE, d.conditions,
      ]),
    ));
  }

  if (view.pods.length > 0) {
    out.push('PODS\n' + formatTable(
      [...(nsCol ? ['NAMESPACE'] : []), 'DATAPLANE', 'POD', 'NODE', 'STATUS', 'READY', 'NUMA', 'CPUS', 'ACTIVE-CPUS', 'VF', 'P99'],
      view.pods.map((p) => [
        ...(nsCol ? [p.namespace] : []), p.dataplane, p.name, p.node ?? NONE, p.phase, p.ready ? 'yes' : 'no',
        num(p.numa), p.cpus ?? NONE, p.activeCpus ?? NONE, p.vf ?? NONE, p.p99 ?? NONE,
      ]),
    ));
  }

  if (view.nodes.length > 0) {
    out.push('NODES\n' + formatTable(
      ['NODE', 'CPUS', 'DEDICATABLE', 'ALLOCATED', 'FREE', 'ALLOCATED-CPUS', 'SHARED-POOL', 'VFS-FREE', 'PODS'],
      view.nodes.map((n) => [
        n.name, String(n.cpus), String(n.dedicatable), num(n.allocated), num(n.free),
        n.allocatedCpus ?? NONE, n.sharedPool ?? NONE, ratio(n.vfsFree, n.vfsTotal), num(n.pods),
      ]),
    ));
  } else if (view.warnings.length === 0) {
    out.push(view.namespace === undefined ? 'No DataplaneNodes: no node agent has published an inventory.\n' : `No DataplaneNode holds pods ${where}.\n`);
  }

  if (view.problems.length > 0) {
    out.push('PROBLEMS\n' + view.problems.map((p) => `${nsCol ? `${p.namespace}/` : ''}${p.dataplane}: ${p.type}=${p.status} ${p.reason}: ${p.message}\n`).join(''));
  }
  for (const w of view.warnings) out.push(`warning: ${w}\n`);
  return out.join('\n');
}
