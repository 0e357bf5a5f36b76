/**
 * The pods still to schedule, largest first (CPU, then memory, then input order). A pod that fails goes to the back;
 * the run stops when every pod in the queue has failed since the last success or relaxation (no progress possible).
 */
import { PodData } from './pod-data';
import { CPU, MEMORY } from '../resources';

export class Queue {
  private pods: PodData[];
  private head = 0;
  private lastLen = new Map<string, number>();

  constructor(pods: PodData[]) {
    this.pods = [...pods].sort(byCpuAndMemoryDescending);
  }

  pop(): PodData | undefined {
    if (this.head >= this.pods.length) return undefined;
    const p = this.pods[this.head];
    if (this.lastLen.get(p.key) === this.pods.length - this.head) return undefined;
    this.head++;
    if (this.head > 4096 && this.head * 2 > this.pods.length) {
      this.pods = this.pods.slice(this.head);
      this.head = 0;
    }
    return p;
  }

  push(pod: PodData, relaxed: boolean): void {
    this.pods.push(pod);
    if (relaxed) this.lastLen = new Map();
    else this.lastLen.set(pod.key, this.pods.length - this.head);
  }

  /** Pods left when the run stopped (the unschedulable ones). */
  remaining(): PodData[] {
    return this.pods.slice(this.head);
  }
}

export function byCpuAndMemoryDescending(a: PodData, b: PodData): number {
  const cpu = (b.requests[CPU] ?? 0) - (a.requests[CPU] ?? 0);
  if (cpu !== 0) return cpu;
  const mem = (b.requests[MEMORY] ?? 0) - (a.requests[MEMORY] ?? 0);
  if (mem !== 0) return mem;
  return a.index - b.index;
}
