/**
 * Relaxation of soft constraints, in upstream's order: drop the first of several required node affinity terms (they
 * are ORed), then the heaviest preferred pod affinity term, preferred pod anti-affinity term, preferred node affinity
 * term, then a ScheduleAnyway topology spread constraint, and finally (when a NodePool has PreferNoSchedule taints)
 * tolerate PreferNoSchedule taints. One step per call.
 */
import { PodData } from './pod-data';

export class Preferences {
  constructor(private readonly toleratePreferNoSchedule: boolean) {}

  /** Relaxes one constraint; returns a description of what was relaxed, or undefined when nothing is left. */
  relax(pod: PodData): string | undefined {
    const c = pod.constraints;
    let what: string | undefined;
    if (c.requiredNodeTerms.length > 1) {
      c.requiredNodeTerms.shift();
      what = 'removed a required node affinity term';
    } else if (c.preferredAffinity.length > 0) {
      c.preferredAffinity.shift();
      what = 'removed a preferred pod affinity term';
    } else if (c.preferredAntiAffinity.length > 0) {
      c.preferredAntiAffinity.shift();
      what = 'removed a preferred pod anti-affinity term';
    } else if (c.preferredNodeTerms.length > 0) {
      c.preferredNodeTerms.shift();
      what = 'removed a preferred node affinity term';
    } else {
      const i = c.spread.findIndex(s => s.whenUnsatisfiable === 'ScheduleAnyway');
      if (i >= 0) {
        c.spread.splice(i, 1);
        what = 'removed a ScheduleAnyway topology spread constraint';
      } else if (this.toleratePreferNoSchedule && !c.tolerations.some(t => t.operator === 'Exists' && !t.key && t.effect === 'PreferNoSchedule')) {
        c.tolerations.push({ operator: 'Exists', effect: 'PreferNoSchedule' });
        what = 'tolerated PreferNoSchedule taints';
      }
    }
    if (what) {
      c.relaxations++;
      pod.refresh();
    }
    return what;
  }
}
