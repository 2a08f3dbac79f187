import { describe, expect, test } from "bun:test";
import { createMountTally } from "../call-options.ts";
import { Redacted } from "../redacted.ts";
import { type CachedValue, createValueCache, noValueCache, toValueKey } from "./value-cache.ts";

const value = (text: string, version = "v1"): CachedValue => ({
  bytes: new Redacted(new TextEncoder().encode(text)),
  version,
});
const options = { signal: new AbortController().signal };
const text = (v: CachedValue) => new TextDecoder().decode(v.bytes.reveal());

describe("createValueCache()", () => {
  test("serves a value again within the TTL and loads again after it", async () => {
    let now = 0;
    let loads = 0;
    const cache = createValueCache({ ttlMs: 1000, maxBytes: 1 << 20, now: () => now });
    const load = async () => value(`load-${++loads}`);
    expect(text(await cache.get("k", options, load))).toBe("load-1");
    now = 999;
    expect(text(await cache.get("k", options, load))).toBe("load-1");
    now = 1000;
    expect(text(await cache.get("k", options, load))).toBe("load-2");
  });

  test("shares one load among concurrent callers of a key", async () => {
    let loads = 0;
    const cache = createValueCache({ ttlMs: 0, maxBytes: 1 << 20 });
    const gate = Promise.withResolvers<void>();
    const load = async () => {
      loads++;
      await gate.promise;
      return value("x");
    };
    const all = Promise.all([
      cache.get("k", options, load),
      cache.get("k", options, load),
      cache.get("k", options, load),
    ]);
    gate.resolve();
    expect((await all).map(text)).toEqual(["x", "x", "x"]);
    expect(loads).toBe(1);
  });

  test("with a TTL of 0 nothing is kept", async () => {
    let loads = 0;
    const cache = createValueCache({ ttlMs: 0, maxBytes: 1 << 20 });
    await cache.get("k", options, async () => value(`${++loads}`));
    await cache.get("k", options, async () => value(`${++loads}`));
    expect(loads).toBe(2);
    expect(cache.bytes).toBe(0);
  });

  test("evicts the least recently used entries above the byte bound", async () => {
    const cache = createValueCache({ ttlMs: 60_000, maxBytes: 100 });
    const loads: string[] = [];
    const get = (key: string) =>
      cache.get(key, options, async () => {
        loads.push(key);
        return value("x".repeat(40));
      });
    await get("a");
    await get("b");
    await get("a"); // a is now the most recently used
    await get("c"); // over 100 bytes: b goes
    loads.length = 0;
    await get("a");
    await get("c");
    await get("b");
    expect(loads).toEqual(["b"]);
    expect(cache.bytes).toBeLessThanOrEqual(100);
  });

  test("never keeps a value larger than the bound", async () => {
    const cache = createValueCache({ ttlMs: 60_000, maxBytes: 10 });
    await cache.get("k", options, async () => value("x".repeat(50)));
    expect(cache.bytes).toBe(0);
  });

  test("does not cache failures, and delete() drops an entry", async () => {
    const cache = createValueCache({ ttlMs: 60_000, maxBytes: 1 << 20 });
    await expect(
      cache.get("k", options, () => Promise.reject(new Error("denied"))),
    ).rejects.toThrow("denied");
    expect(text(await cache.get("k", options, async () => value("ok")))).toBe("ok");
    cache.delete("k");
    expect(text(await cache.get("k", options, async () => value("again")))).toBe("again");
  });

  test("keys of two identities never collide, whatever the names", () => {
    const a = toValueKey({
      identityKey: '["irsa","ns","a"]',
      region: "r",
      service: "s",
      objectId: "x",
      selector: "",
    });
    const b = toValueKey({
      identityKey: '["irsa","ns","a"],"r"',
      region: "s",
      service: "x",
      objectId: "",
      selector: "",
    });
    expect(a).not.toBe(b);
  });

  test("reports hits and misses", async () => {
    const lookups: boolean[] = [];
    const cache = createValueCache({
      ttlMs: 60_000,
      maxBytes: 1 << 20,
      onLookup: (hit) => lookups.push(hit),
    });
    await cache.get("k", options, async () => value("v"));
    await cache.get("k", options, async () => value("v"));
    expect(lookups).toEqual([false, true]);
  });

  test("peek() gives a fresh value at once and counts it a hit; a miss or an expired one is not counted", async () => {
    let now = 0;
    const lookups: boolean[] = [];
    const cache = createValueCache({
      ttlMs: 1000,
      maxBytes: 1 << 20,
      now: () => now,
      onLookup: (hit) => lookups.push(hit),
    });
    const tally = createMountTally();
    expect(cache.peek("k", { ...options, tally })).toBeUndefined();
    await cache.get("k", options, async () => value("v"));
    const peeked = cache.peek("k", { ...options, tally });
    expect(peeked === undefined ? undefined : text(peeked)).toBe("v");
    expect(cache.peek("other", { ...options, tally })).toBeUndefined();
    now = 1000;
    expect(cache.peek("k", { ...options, tally })).toBeUndefined();
    expect(lookups).toEqual([false, true]);
    expect([tally.cacheHits, tally.cacheMisses]).toEqual([1, 0]);
  });
});

describe("noValueCache", () => {
  test("loads on every lookup, shares no load in flight and counts each lookup a miss", async () => {
    let loads = 0;
    const gate = Promise.withResolvers<void>();
    const load = async () => {
      const n = ++loads;
      await gate.promise;
      return value(`load-${n}`);
    };
    const tally = createMountTally();
    const all = Promise.all([
      noValueCache.get("k", { ...options, tally }, load),
      noValueCache.get("k", { ...options, tally }, load),
    ]);
    gate.resolve();
    expect((await all).map(text)).toEqual(["load-1", "load-2"]);
    expect(loads).toBe(2);
    expect(text(await noValueCache.get("k", options, load))).toBe("load-3");
    expect(tally.cacheMisses).toBe(2);
    expect(noValueCache.peek("k", { ...options, tally })).toBeUndefined();
    expect(noValueCache.bytes).toBe(0);
  });
});
