/** `--output table`: one row per NodeClaim, totals, and the unschedulable pods with reasons. */
import { SimulationResult } from './simulate';

export function renderTable(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map(r => r[i].length)));
  return rows.map(r => r.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd()).join('\n');
}

export function formatResultTable(result: SimulationResult, notes: readonly string[] = []): string {
  const lines: string[] = [];
  for (const n of notes) lines.push(n);
  if (result.nodeClaims.length === 0) {
    lines.push('No NodeClaims would be launched.');
  } else {
    const rows = [['NODECLAIM', 'NODEPOOL', 'INSTANCE TYPE', 'CAPACITY', 'ZONE', '$/HOUR', 'CPU', 'MEMORY', 'PODS']];
    for (const nc of result.nodeClaims) {
      rows.push([nc.name, nc.nodePool, nc.instanceType, nc.capacityType, nc.zone, nc.pricePerHour.toFixed(4),
        nc.allocatable.cpu, nc.allocatable.memory, `${nc.pods.length}/${nc.allocatable.pods}`]);
    }
    lines.push(renderTable(rows));
  }
  const scheduled = result.nodeClaims.reduce((s, n) => s + n.pods.length, 0);
  lines.push('');
  lines.push(`Total: ${result.nodeClaims.length} NodeClaim(s), ${scheduled} pod(s) scheduled, $${result.totalPricePerHour.toFixed(4)}/hour ` +
    `($${(result.totalPricePerHour * 730).toFixed(2)}/month), solved in ${result.solveMilliseconds} ms`);
  if (result.unschedulable.length > 0) {
    lines.push('');
    lines.push(`Unschedulable pods (${result.unschedulable.length}):`);
    const byReason = new Map<string, string[]>();
    for (const u of result.unschedulable) byReason.set(u.reason, [...(byReason.get(u.reason) ?? []), u.pod]);
    for (const [reason, pods] of byReason) {
      const who = pods.length > 3 ? `${pods.slice(0, 2).join(', ')} and ${pods.length - 2} more` : pods.join(', ');
      lines.push(`  ${who}: ${reason}`);
    }
  }
  return lines.join('\n') + '\n';
}
