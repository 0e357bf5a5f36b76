/**
 * The planned NodeClaims ordered by pod count, fewest first (upstream sorts them before every pod). Counts only grow by
 * one, so the order is kept with buckets in O(1) per add instead of a sort per pod.
 */
export interface Ordered {
  position: number;
  readonly pods: { length: number };
}

export class NodeClaimOrder<T extends Ordered> {
  readonly items: T[] = [];
  /** start[c] = index of the first item with at least c pods (c >= 1). */
  private readonly start: number[] = [0, 0];

  /** Appends an item that has exactly one pod. */
  insert(item: T): void {
    this.items.push(item);
    item.position = this.items.length - 1;
    for (let c = this.start.length - 1; c >= 2; c--) {
      const first = this.start[c];
      if (first < item.position) this.swap(first, item.position);
      this.start[c] = first + 1;
    }
  }

  /** Call after the item gained one pod (its count is now `pods.length`). */
  increment(item: T): void {
    const c = item.pods.length - 1; // count before the add
    if (this.start.length <= c + 1) this.start.push(this.items.length);
    const lastOfBucket = this.start[c + 1] - 1;
    if (lastOfBucket !== item.position) this.swap(lastOfBucket, item.position);
    this.start[c + 1] = lastOfBucket;
  }

  private swap(i: number, j: number): void {
    const a = this.items[i];
    const b = this.items[j];
    this.items[i] = b;
    this.items[j] = a;
    b.position = i;
    a.position = j;
  }
}
