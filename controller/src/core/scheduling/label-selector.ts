/** Kubernetes label selectors (matchLabels + matchExpressions) compiled to a predicate. */
import { LabelSelector } from '../kube-types';

export type LabelMatcher = (labels: Readonly<Record<string, string>> | undefined) => boolean;

const NOTHING: LabelMatcher = () => false;

/** A missing selector matches nothing; an empty one matches everything (as in pod affinity and topology spread). */
export function compileSelector(selector: LabelSelector | undefined | null): LabelMatcher {
  if (!selector) return NOTHING;
  const tests: LabelMatcher[] = [];
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) tests.push(l => l?.[k] === v);
  for (const e of selector.matchExpressions ?? []) {
    const values = new Set(e.values ?? []);
    switch (e.operator) {
      case 'In': tests.push(l => l?.[e.key] !== undefined && values.has(l[e.key])); break;
      case 'NotIn': tests.push(l => l?.[e.key] === undefined || !values.has(l[e.key])); break;
      case 'Exists': tests.push(l => l?.[e.key] !== undefined); break;
      case 'DoesNotExist': tests.push(l => l?.[e.key] === undefined); break;
      default: return NOTHING;
    }
  }
  if (tests.length === 0) return () => true;
  if (tests.length === 1) return tests[0];
  return l => tests.every(t => t(l));
}

/** A stable text form of a selector, for hashing topology groups. */
export function selectorKey(selector: LabelSelector | undefined | null): string {
  if (!selector) return 'nil';
  const ml = Object.entries(selector.matchLabels ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const me = (selector.matchExpressions ?? []).map(e => `${e.key} ${e.operator} ${[...(e.values ?? [])].sort().join(',')}`).sort();
  return `${ml.map(([k, v]) => `${k}=${v}`).join(',')}|${me.join(';')}`;
}
