/**
 * The Lambda bundles' stand-in for `mnemonist/lru-cache` (aliased in scripts/build.ts), which only
 * DynamoDB's endpoint-discovery cache (@aws-sdk/endpoint-cache) uses: the same methods it calls
 * (get, set, has, peek, clear) over a Map, evicting the least recently used key past `capacity`.
 * Endpoint discovery is off unless AWS_ENDPOINT_DISCOVERY_ENABLED is set, so the cache is built and
 * never read; the stand-in keeps it working if it ever is, in ~0.3 KiB instead of ~5.
 */
export default class LRUCache<K, V> {
  private readonly items = new Map<K, V>();
  constructor(private readonly capacity: number) {}

  get(key: K): V | undefined {
    if (!this.items.has(key)) return undefined;
    const value = this.items.get(key) as V;
    this.items.delete(key);
    this.items.set(key, value);
    return value;
  }

  peek(key: K): V | undefined {
    return this.items.get(key);
  }

  has(key: K): boolean {
    return this.items.has(key);
  }

  set(key: K, value: V): this {
    this.items.delete(key);
    this.items.set(key, value);
    if (this.items.size > this.capacity) this.items.delete(this.items.keys().next().value as K);
    return this;
  }

  clear(): void {
    this.items.clear();
  }
}
