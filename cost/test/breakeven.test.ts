/**
 * Break-even points against closed-form solutions worked out by hand, and the search itself.
 */
import { alwaysOnBreakEven, cheaperThanABreakEven, firstVolume, gpuCost, hopShareBreakEven } from "../src/breakeven";
import { inputs, MONTH, NO_FREE, RATES } from "./helpers";

describe("firstVolume", () => {
  test("finds the first whole number at which a condition turns true", () => {
    expect(firstVolume((c) => c >= 1)).toBe(1);
    expect(firstVolume((c) => c >= 7_654_321)).toBe(7_654_321);
    expect(firstVolume((c) => c * 3 > 10)).toBe(4);
  });
  test("null when it never does below the limit", () => {
    expect(firstVolume(() => false, 1, 1e6)).toBeNull();
  });
  test("starts the search where told", () => {
    expect(firstVolume((c) => c % 2 === 0 || c > 50, 1000)).toBe(1000);
    expect(firstVolume((c) => c > 2_000_000, 1000)).toBe(2_000_001);
  });
});

describe("always-on GPU (min instances 1) vs scale to zero", () => {
  test("pinned episodes: 2,000 tails of 900 s cover 1,800,000 s, so 0.1 s calls fill the rest at 7,920,000 calls", () => {
    // scale to zero is up 0.1 c + 1,800,000 s, always-on 2,592,000 s: equal when 0.1 c = 792,000 -> c = 7,920,000
    const be = alwaysOnBreakEven(inputs({ episodes: 2000 }), RATES);
    expect(be.calls).toBe(7_920_000);
    // 7,920,000 / 100,000 MAU = 79.2 calls per user; / 720 h = 11,000 calls an hour
    expect(be.callsPerUser).toBeCloseTo(79.2, 9);
    expect(be.callsPerHour).toBeCloseTo(11_000, 9);
  });

  test("one call fewer, scale to zero is still cheaper", () => {
    const inp = inputs({ episodes: 2000 });
    expect(gpuCost(inp, RATES, 7_919_999, 0)).toBeLessThan(gpuCost(inp, RATES, 7_919_999, 1));
    expect(gpuCost(inp, RATES, 7_920_000, 0)).toBeCloseTo(gpuCost(inp, RATES, 7_920_000, 1), 9);
  });

  test("estimated episodes (uniform Poisson traffic): about 20,560 calls a month, ~28.6 an hour", () => {
    // Up time 0.1 c + T' (1 - e^(-c x 900 / 2,592,000)) reaches 2,592,000 when 0.1 c = 2,592,000 e^(-c/2,880):
    // c = 20,562 gives 2,056.2 vs 2,592,000 x e^(-7.1396) = 2,056.3 (checked with a calculator).
    const be = alwaysOnBreakEven(inputs(), RATES);
    expect(be.calls).toBeGreaterThan(20_500);
    expect(be.calls).toBeLessThan(20_600);
    const c = be.calls as number;
    const up = (n: number) => 0.1 * n + MONTH * -Math.expm1((-n * 900) / MONTH);
    expect(up(c)).toBeGreaterThanOrEqual(MONTH * (1 - 1e-9));
    expect(up(c - 1)).toBeLessThan(MONTH);
  });

  test("12 active hours a day: the nights never cost, so scale to zero stays cheaper", () => {
    // awake at most 30 x (12 x 3,600 + 900) = 1,323,000 s while busy time fits in it; always-on only ties once
    // busy time alone fills the month: 0.1 c = 2,592,000 -> c = 25,920,000
    const be = alwaysOnBreakEven(inputs({ activeHours: 12 }), RATES);
    expect(be.calls).toBe(25_920_000);
  });
});

describe("function hop as a share of the GPU bill (A)", () => {
  test("no free tiers, one always-on GPU: 10% at 14,150,130 calls", () => {
    // function per call: $0.0000004 + 0.2 s x $0.000024 + 0.2 x 0.25 GiB x $0.0000025 = $0.000005325
    // GPU: 2,592,000 s x (0.0001867 + 4 x 0.000018 + 16 x 0.000002) = $753.4944 (busy 1.4M s < month: flat)
    // 10%: 75.34944 / 0.000005325 = 14,150,129.6 -> 14,150,130 calls
    const be = hopShareBreakEven(inputs({ minInstances: 1 }), NO_FREE, 10);
    expect(be.calls).toBe(14_150_130);
  });

  test("at 100% the hop can never cost as much as a GPU that grows with it", () => {
    // per call the function costs $0.000005325, the GPU at least 0.1 s x $0.0002907 = $0.00002907
    expect(hopShareBreakEven(inputs(), NO_FREE, 100).calls).toBeNull();
  });
});

describe("cheaper than A", () => {
  test("C (Supabase Pro) with no free tiers and one always-on GPU: from 6,573,709 calls", () => {
    // Lines other than the front door are equal, except that A reads the secret once more ($0.000003).
    // A's hop: $0.000005325 a call; C: $25 + $2 per started million over 2M. Between 6M and 7M C is $35, and
    // A - C > $0.005 once 0.000005325 c + 0.000003 > 35.005: c > 6,573,708.4 -> 6,573,709; below 6M A stays
    // under C's step.
    const be = cheaperThanABreakEven(inputs({ minInstances: 1 }), NO_FREE, "C");
    expect(be.calls).toBe(6_573_709);
    expect(be.until).toBeNull();
  });

  test("B with free tiers: cheaper once A's function leaves its free tier, until B's busy time outgrows the month", () => {
    // A's vCPU-s pass 180,000 at 900,000 calls (0.2 s each); from there A pays for its hop while B's extra busy
    // time only replaces idle tails. B's busy time 0.2 c fills the month at 12,960,000 calls; beyond, B pays
    // (0.2 c - 2,592,000) x ~$0.000289 for a second instance. At 14,150,000 calls: B extra (2,830,000 - 2,592,000)
    // x 0.000289 = $68.8; A's hop 12,150,000 x 0.0000004 + (2,830,000 - 180,000) x 0.000024
    // + (707,500 - 360,000) x 0.0000025 = 4.86 + 63.60 + 0.87 = $69.33: they cross near 14.15M.
    const be = cheaperThanABreakEven(inputs(), RATES, "B");
    expect(be.calls).toBeGreaterThan(900_000);
    expect(be.calls).toBeLessThan(1_000_000);
    expect(be.until).toBeGreaterThan(14_000_000);
    expect(be.until).toBeLessThan(14_300_000);
  });
});
