import { TtlCache } from "../../src/core/cache";
import { KeyedSerial } from "../../src/core/serial";

describe("TtlCache", () => {
  it("reuses a value until it expires, sharing one load between concurrent misses", async () => {
    let now = 0;
    let loads = 0;
    const cache = new TtlCache<number>(1000, () => now);
    const load = async () => ++loads;
    const [a, b] = await Promise.all([cache.get("k", load), cache.get("k", load)]);
    expect([a, b, loads]).toEqual([1, 1, 1]);
    now = 999;
    expect(await cache.get("k", load)).toBe(1);
    now = 1000;
    expect(await cache.get("k", load)).toBe(2);
    expect(await cache.peek("k")).toBe(2);
    now = 5000;
    expect(cache.peek("k")).toBeUndefined();
  });

  it("does not keep a failed load", async () => {
    const cache = new TtlCache<number>(1000, () => 0);
    await expect(cache.get("k", async () => Promise.reject(new Error("down")))).rejects.toThrow("down");
    expect(await cache.get("k", async () => 7)).toBe(7);
  });
});

describe("KeyedSerial", () => {
  it("runs one key's work in order, one at a time, and other keys alongside", async () => {
    const serial = new KeyedSerial();
    const log: string[] = [];
    let running = 0;
    let maxRunning = 0;
    const task = (key: string, i: number, fail = false) =>
      serial.run(key, async () => {
        running++;
        maxRunning = Math.max(maxRunning, running);
        log.push(`${key}${i}+`);
        await new Promise((r) => setImmediate(r));
        log.push(`${key}${i}-`);
        running--;
        if (fail) throw new Error("boom");
        return i;
      });
    const results = await Promise.allSettled([task("a", 1), task("a", 2, true), task("a", 3)]);
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    expect(log).toEqual(["a1+", "a1-", "a2+", "a2-", "a3+", "a3-"]);
    expect(maxRunning).toBe(1);

    running = 0;
    maxRunning = 0;
    await Promise.all([task("x", 1), task("y", 1)]);
    expect(maxRunning).toBe(2);
    await new Promise((r) => setImmediate(r));
    expect(serial.size).toBe(0);
  });
});
