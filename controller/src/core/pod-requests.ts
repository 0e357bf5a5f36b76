/**
 * The effective resource requests of a pod, as the kube-scheduler computes them: the larger of the sum of the
 * app containers (plus restartable sidecar init containers) and the largest init container (plus the sidecars
 * started before it), plus the pod overhead. A container with a limit and no request requests its limit.
 * Every pod also requests one `pods` slot.
 */
import { KubeContainer, KubePod } from './kube-types';
import { ResourceList, parseResources, PODS } from './resources';

function containerRequests(c: KubeContainer): ResourceList {
  const requests = parseResources(c.resources?.requests);
  const limits = parseResources(c.resources?.limits);
  for (const [k, v] of Object.entries(limits)) if (requests[k] === undefined) requests[k] = v;
  return requests;
}

function addInto(target: ResourceList, source: ResourceList): void {
  for (const [k, v] of Object.entries(source)) target[k] = (target[k] ?? 0) + v;
}

function maxInto(target: ResourceList, source: ResourceList): void {
  for (const [k, v] of Object.entries(source)) target[k] = Math.max(target[k] ?? 0, v);
}

/** Throws QuantityError for a malformed quantity. */
export function podRequests(pod: KubePod): ResourceList {
  const total: ResourceList = {};
  for (const c of pod.spec?.containers ?? []) addInto(total, containerRequests(c));
  const sidecars: ResourceList = {};
  const initMax: ResourceList = {};
  for (const c of pod.spec?.initContainers ?? []) {
    const r = containerRequests(c);
    if (c.restartPolicy === 'Always') {
      addInto(sidecars, r);
      addInto(total, r);
    } else {
      const withSidecars: ResourceList = { ...sidecars };
      addInto(withSidecars, r);
      maxInto(initMax, withSidecars);
    }
  }
  maxInto(total, initMax);
  addInto(total, parseResources(pod.spec?.overhead));
  total[PODS] = (total[PODS] ?? 0) + 1;
  return total;
}
