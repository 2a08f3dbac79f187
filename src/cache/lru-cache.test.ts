import { describe, expect, test } from "bun:test";
import { createLruCache } from "./lru-cache.ts";

describe("createLruCache()", () => {
  test("evicts the least recently used entry beyond maxEntries; a get counts as use", () => {
    const cache = createLruCache<number>({ maxEntries: 2 });
    cache.set("a", 1);
    cache.set("b", 2);
    expect(cache.get("a")).toBe(1);
    cache.set("c", 3);
    expect([cache.get("a"), cache.get("b"), cache.get("c")]).toEqual([1, undefined, 3]);
    expect(cache.entries).toBe(2);
  });

  test("bounds the total size, dropping oldest entries first, and refuses an entry too large alone", () => {
    const cache = createLruCache<string>({ maxSize: 10 });
    cache.set("a", "x", { size: 4 });
    cache.set("b", "y", { size: 4 });
    cache.set("c", "z", { size: 4 });
    expect([cache.get("a"), cache.get("b"), cache.get("c")]).toEqual([undefined, "y", "z"]);
    expect(cache.totalSize).toBe(8);
    cache.set("b", "huge", { size: 11 });
    expect(cache.get("b")).toBeUndefined();
    expect(cache.totalSize).toBe(4);
  });

  test("serves an entry until its expiry on the cache's clock, then drops it", () => {
    let now = 0;
    const cache = createLruCache<string>({ now: () => now });
    cache.set("k", "v", { expiresAt: 100, size: 3 });
    now = 99;
    expect(cache.get("k")).toBe("v");
    now = 100;
    expect(cache.get("k")).toBeUndefined();
    expect([cache.entries, cache.totalSize]).toEqual([0, 0]);
  });

  test("replacing and deleting keep the size exact", () => {
    const cache = createLruCache<string>();
    cache.set("k", "a", { size: 5 });
    cache.set("k", "b", { size: 2 });
    expect(cache.totalSize).toBe(2);
    cache.delete("k");
    cache.delete("missing");
    expect([cache.entries, cache.totalSize]).toEqual([0, 0]);
  });
});
