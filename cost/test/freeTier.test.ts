/**
 * Free tiers and included quotas at their edges: just under, exactly at, and just over. Every other line
 * is zero in these cases (no users, no app traffic), so each test looks at one line.
 */
import { computeBill, type Bill } from "../src/model";
import { quiet, RATES } from "./helpers";

const cost = (bill: Bill, id: string) => bill.lines.find((l) => l.id === id)?.cost;

describe("Cloud Functions (request-based Cloud Run) free tier", () => {
  test.each([
    // calls, expected: (calls - 2,000,000) x $0.0000004
    [1_999_999, 0],
    [2_000_000, 0],
    [2_000_001, 0.0000004],
    [2_000_010, 0.000004],
  ])("%d invocations cost $%d", (calls, expected) => {
    expect(cost(computeBill("A", quiet(), RATES, calls), "fn.invocations")).toBeCloseTo(expected, 12);
  });

  test.each([
    // 200 ms per call x 1 vCPU: 900,000 calls = 180,000 vCPU-s, exactly the free tier
    [899_999, 0],
    [900_000, 0],
    // 900,001 calls = 180,000.2 vCPU-s: 0.2 x $0.000024 = $0.0000048
    [900_001, 0.0000048],
  ])("%d calls of 200 ms: vCPU-s cost $%d", (calls, expected) => {
    expect(cost(computeBill("A", quiet(), RATES, calls), "fn.vcpu")).toBeCloseTo(expected, 12);
  });

  test.each([
    // 1 GiB functions, 1 vCPU: 200 ms x 1 GiB = 0.2 GiB-s a call; 1,800,000 calls = 360,000 GiB-s
    [1_800_000, 0],
    // 1,800,005 calls = 360,001 GiB-s: 1 x $0.0000025
    [1_800_005, 0.0000025],
  ])("%d calls at 1 GiB: GiB-s cost $%d", (calls, expected) => {
    expect(cost(computeBill("A", quiet({ fnMemoryMib: 1024 }), RATES, calls), "fn.memory")).toBeCloseTo(expected, 12);
  });
});

describe("Firestore daily free quotas, applied as 30 x the daily quota", () => {
  test.each([
    // 50,000 x 30 = 1,500,000 reads free; one more is $0.0000006
    [1_499_999, 0],
    [1_500_000, 0],
    [1_500_001, 0.0000006],
  ])("%d reads cost $%d", (reads, expected) => {
    expect(cost(computeBill("A", quiet({ mau: 1, appReadsPerUser: reads }), RATES), "fs.reads")).toBeCloseTo(expected, 12);
  });

  test.each([
    // 20,000 x 30 = 600,000 writes free; one more is $0.0000018
    [599_999, 0],
    [600_000, 0],
    [600_001, 0.0000018],
  ])("%d writes cost $%d", (writes, expected) => {
    expect(cost(computeBill("A", quiet({ mau: 1, appWritesPerUser: writes }), RATES), "fs.writes")).toBeCloseTo(expected, 12);
  });

  test("a 28-day month has 28 days of free reads: 1,400,001 reads -> 1 billed", () => {
    // 50,000 x 28 = 1,400,000
    expect(cost(computeBill("A", quiet({ mau: 1, appReadsPerUser: 1_400_001, days: 28 }), RATES), "fs.reads")).toBeCloseTo(0.0000006, 12);
  });

  test.each([
    // 1 GiB = 1,048,576 KiB free; 1 KiB over is 1/1,048,576 GiB x $0.18
    [1_048_575, 0],
    [1_048_576, 0],
    [1_048_577, 0.18 / 1_048_576],
  ])("%d KiB stored costs $%d", (kib, expected) => {
    expect(cost(computeBill("A", quiet({ mau: 1, appKibPerUser: kib }), RATES), "fs.storage")).toBeCloseTo(expected, 12);
  });
});

describe("Secret Manager free tier", () => {
  test.each([
    [5, 0],
    [6, 0],
    // 7 versions: 1 over x $0.06
    [7, 0.06],
  ])("%d active versions cost $%d", (versions, expected) => {
    expect(cost(computeBill("A", quiet({ secretVersions: versions }), RATES), "sm.versions")).toBeCloseTo(expected, 12);
  });

  test.each([
    // A reads the secret twice per episode (function + GPU): 5,000 episodes = 10,000 accesses, the free tier
    [4_999, 0],
    [5_000, 0],
    // 5,001 episodes = 10,002 accesses: 2 x $0.000003
    [5_001, 0.000006],
  ])("%d episodes: accesses cost $%d", (episodes, expected) => {
    expect(cost(computeBill("A", quiet({ episodes, idleTailMin: 0 }), RATES, 0), "sm.accesses")).toBeCloseTo(expected, 12);
  });
});

describe("Cloud Run instance-based free tier on the GPU service (4 vCPU, 16 GiB)", () => {
  // No calls; pinned episodes of a 10-minute (600 s) tail set the instance-seconds exactly.
  const gpuTotal = (episodes: number) => {
    const bill = computeBill("A", quiet({ episodes, idleTailMin: 10 }), RATES, 0);
    return bill.lines.filter((l) => l.id.startsWith("gpu.")).reduce((s, l) => s + l.cost, 0);
  };

  test("at the vCPU free tier: 100 x 600 s = 60,000 s x 4 = 240,000 vCPU-s free", () => {
    // GPU 60,000 x $0.0001867 = $11.202; vCPU all free;
    // memory 60,000 x 16 = 960,000 GiB-s, (960,000 - 450,000) x $0.000002 = $1.02 -> $12.222
    expect(gpuTotal(100)).toBeCloseTo(12.222, 9);
  });

  test("just under the memory free tier: 46 x 600 = 27,600 s x 16 = 441,600 GiB-s, only the GPU is billed", () => {
    // 27,600 x $0.0001867 = $5.15292
    expect(gpuTotal(46)).toBeCloseTo(5.15292, 9);
  });

  test("just over the vCPU free tier: 101 x 600 s = 60,600 s", () => {
    // GPU 60,600 x 0.0001867 = $11.31402; vCPU (242,400 - 240,000) x 0.000018 = $0.0432;
    // memory (969,600 - 450,000) x 0.000002 = $1.0392 -> $12.39642
    expect(gpuTotal(101)).toBeCloseTo(12.39642, 9);
  });
});

describe("Supabase: included invocations and package pricing (C)", () => {
  test.each([
    // Pro includes 2,000,000; each started million beyond is a $2 package
    [2_000_000, 0],
    [2_000_001, 2],
    [3_000_000, 2],
    [3_000_001, 4],
  ])("Pro, %d invocations: $%d of packages", (calls, expected) => {
    expect(cost(computeBill("C", quiet(), RATES, calls), "sb.invocations")).toBe(expected);
  });

  test("Free plan: $0 up to its 500,000 invocations", () => {
    const bill = computeBill("C", quiet({ supabasePlan: "free" }), RATES, 500_000);
    expect(cost(bill, "sb.plan")).toBe(0);
    expect(cost(bill, "sb.invocations")).toBe(0);
    expect(bill.notes).toEqual([]);
  });

  test("Free plan, 500,001 invocations: no over-usage on Free, priced as Pro with a note", () => {
    const bill = computeBill("C", quiet({ supabasePlan: "free" }), RATES, 500_001);
    expect(cost(bill, "sb.plan")).toBe(25);
    expect(cost(bill, "sb.invocations")).toBe(0);
    expect(bill.notes.join(" ")).toMatch(/exceed the Supabase Free plan/);
  });
});
