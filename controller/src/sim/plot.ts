/**
 * `--plot FILE.svg`: nodes by capacity type (stacked steps, left axis) and $/hour (line, right axis) over the
 * scenario's time, with the steps marked. Hand-written SVG, no dependency.
 */
import { ScenarioResult } from './run-scenario';
import { formatDuration } from '../core/disruption/duration';

const W = 960;
const H = 420;
const M = { left: 56, right: 72, top: 40, bottom: 70 };

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function niceMax(v: number): number {
  if (v <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

export function plotScenario(result: ScenarioResult): string {
  const samples = result.samples.length ? result.samples : [{ t: 0, spot: 0, onDemand: 0, pricePerHour: 0, pending: 0 }];
  const tMax = Math.max(1, samples[samples.length - 1].t);
  const nMax = niceMax(Math.max(1, ...samples.map(s => s.spot + s.onDemand)));
  const pMax = niceMax(Math.max(0.01, ...samples.map(s => s.pricePerHour)));
  const pw = W - M.left - M.right;
  const ph = H - M.top - M.bottom;
  const x = (t: number) => M.left + (t / tMax) * pw;
  const yN = (n: number) => M.top + ph - (n / nMax) * ph;
  const yP = (p: number) => M.top + ph - (p / pMax) * ph;
  const stepPath = (val: (i: number) => number, base: (i: number) => number): string => {
    const top: string[] = [];
    const bottom: string[] = [];
    samples.forEach((s, i) => {
      const x0 = x(i === 0 ? 0 : samples[i - 1].t);
      const x1 = x(s.t);
      top.push(`${x0.toFixed(1)},${yN(val(i)).toFixed(1)}`, `${x1.toFixed(1)},${yN(val(i)).toFixed(1)}`);
      bottom.unshift(`${x1.toFixed(1)},${yN(base(i)).toFixed(1)}`, `${x0.toFixed(1)},${yN(base(i)).toFixed(1)}`);
    });
    return `M${top.join(' L')} L${bottom.join(' L')} Z`;
  };
  const od = stepPath(i => samples[i].onDemand, () => 0);
  const spot = stepPath(i => samples[i].onDemand + samples[i].spot, i => samples[i].onDemand);
  const price = samples.map((s, i) => `${i === 0 ? 'M' : 'L'}${x(s.t).toFixed(1)},${yP(s.pricePerHour).toFixed(1)}`).join(' ');
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">`);
  out.push(`<rect width="${W}" height="${H}" fill="#fff"/>`);
  out.push(`<text x="${W / 2}" y="20" text-anchor="middle" font-size="14" font-weight="bold">${esc(result.name)}</text>`);
  for (let i = 0; i <= 5; i++) {
    const n = (nMax * i) / 5;
    const y = yN(n);
    out.push(`<line x1="${M.left}" x2="${W - M.right}" y1="${y.toFixed(1)}" y2="${y.toFixed(1)}" stroke="#eee"/>`);
    out.push(`<text x="${M.left - 6}" y="${(y + 4).toFixed(1)}" text-anchor="end">${Number.isInteger(n) ? n : n.toFixed(1)}</text>`);
    out.push(`<text x="${W - M.right + 6}" y="${(y + 4).toFixed(1)}">$${((pMax * i) / 5).toFixed(pMax < 1 ? 3 : 2)}</text>`);
  }
  for (let i = 0; i <= 6; i++) {
    const t = (tMax * i) / 6;
    out.push(`<text x="${x(t).toFixed(1)}" y="${H - M.bottom + 16}" text-anchor="middle">+${formatDuration(Math.round(t / 1000) * 1000)}</text>`);
  }
  out.push(`<path d="${od}" fill="#4e79a7" fill-opacity="0.75" stroke="none"><title>on-demand nodes</title></path>`);
  out.push(`<path d="${spot}" fill="#f28e2b" fill-opacity="0.75" stroke="none"><title>spot nodes</title></path>`);
  out.push(`<path d="${price}" fill="none" stroke="#222" stroke-width="2"><title>$/hour</title></path>`);
  result.steps.forEach(s => {
    if (!s.description.includes('advance')) {
      const px = x(s.t).toFixed(1);
      out.push(`<line x1="${px}" x2="${px}" y1="${M.top}" y2="${M.top + ph}" stroke="#999" stroke-dasharray="4 3"><title>${esc(s.description)}</title></line>`);
      out.push(`<text x="${px}" y="${M.top - 4}" text-anchor="middle" fill="#666">${s.index + 1}</text>`);
    }
  });
  out.push(`<line x1="${M.left}" x2="${M.left}" y1="${M.top}" y2="${M.top + ph}" stroke="#333"/>`);
  out.push(`<line x1="${M.left}" x2="${W - M.right}" y1="${M.top + ph}" y2="${M.top + ph}" stroke="#333"/>`);
  out.push(`<text transform="translate(14 ${M.top + ph / 2}) rotate(-90)" text-anchor="middle">nodes</text>`);
  out.push(`<text transform="translate(${W - 12} ${M.top + ph / 2}) rotate(90)" text-anchor="middle">$/hour</text>`);
  const ly = H - 22;
  out.push(`<rect x="${M.left}" y="${ly - 9}" width="12" height="10" fill="#4e79a7"/><text x="${M.left + 16}" y="${ly}">on-demand nodes</text>`);
  out.push(`<rect x="${M.left + 130}" y="${ly - 9}" width="12" height="10" fill="#f28e2b"/><text x="${M.left + 146}" y="${ly}">spot nodes</text>`);
  out.push(`<line x1="${M.left + 230}" x2="${M.left + 250}" y1="${ly - 4}" y2="${ly - 4}" stroke="#222" stroke-width="2"/><text x="${M.left + 256}" y="${ly}">$/hour</text>`);
  out.push(`<text x="${M.left + 320}" y="${ly}" fill="#666">dashed lines: scenario steps (numbered as in the text output)</text>`);
  out.push('</svg>');
  return out.join('\n') + '\n';
}
