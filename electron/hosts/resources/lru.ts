/**
 * A least-recently-used map bounded by total weight (bytes), for what resources re-serve: encoded
 * sheets, decoded arrays, labels. Entries heavier than `maxEntry` are not kept (one huge image
 * would evict everything else).
 */
export class LruCache<V> {
  private readonly map = new Map<string, { value: V; weight: number }>();
  private total = 0;
  constructor(
    private readonly capacity: number,
    private readonly weigh: (v: V) => number,
    private readonly maxEntry = capacity,
  ) {}

  get(key: string): V | undefined {
    const e = this.map.get(key);
    if (!e) return undefined;
    this.map.delete(key);
    this.map.set(key, e);
    return e.value;
  }

  set(key: string, value: V): void {
    const weight = this.weigh(value);
    const old = this.map.get(key);
    if (old) {
      this.total -= old.weight;
      this.map.delete(key);
    }
    if (weight > this.maxEntry) return;
    this.map.set(key, { value, weight });
    this.total += weight;
    for (const [k, e] of this.map) {
      if (this.total <= this.capacity) break;
      this.map.delete(k);
      this.total -= e.weight;
    }
  }

  /** The cached value, or `load()`'s (kept for next time). */
  async getOrLoad(key: string, load: () => Promise<V>): Promise<V> {
    const hit = this.get(key);
    if (hit !== undefined) return hit;
    const value = await load();
    this.set(key, value);
    return value;
  }
}
