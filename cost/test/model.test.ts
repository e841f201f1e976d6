/**
 * The bill's arithmetic against cases computed by hand (the computation is in the comment next to each
 * expected number), with the prices in cost/prices.json as of their read date.
 */
import { computeBill, dominant, estimatedEpisodes, gpuTime, roundUpTo100ms, type Bill } from "../src/model";
import { inputs, MONTH, NO_FREE, RATES } from "./helpers";

const line = (bill: Bill, id: string) => {
  const l = bill.lines.find((x) => x.id === id);
  if (!l) throw new Error(`no line ${id} in ${bill.arch}`);
  return l;
};

describe("architecture A at 100k MAU x 30 calls (3,000,000 calls), defaults, free tiers on", () => {
  const bill = computeBill("A", inputs(), RATES);

  test("function invocations, vCPU-s and GiB-s", () => {
    // (3,000,000 - 2,000,000 free) x $0.0000004 = $0.40
    expect(line(bill, "fn.invocations").cost).toBeCloseTo(0.4, 6);
    // billed per call: ceil((100 + 100 ms) / 100) x 100 = 200 ms; 3,000,000 x 0.2 s x 1 vCPU = 600,000 vCPU-s
    expect(line(bill, "fn.vcpu").usage).toBeCloseTo(600_000, 3);
    // (600,000 - 180,000 free) x $0.000024 = $10.08
    expect(line(bill, "fn.vcpu").cost).toBeCloseTo(10.08, 6);
    // 600,000 s x 256/1024 GiB = 150,000 GiB-s, under the 360,000 free -> $0
    expect(line(bill, "fn.memory").usage).toBeCloseTo(150_000, 3);
    expect(line(bill, "fn.memory").cost).toBe(0);
  });

  test("Firestore reads, writes and storage", () => {
    // reads: 100,000 x 300 + 3,000,000 x 2 = 36,000,000; free 50,000 x 30 = 1,500,000
    // (36,000,000 - 1,500,000) x $0.0000006 = $20.70
    expect(line(bill, "fs.reads").usage).toBe(36_000_000);
    expect(line(bill, "fs.reads").cost).toBeCloseTo(20.7, 6);
    // writes: 100,000 x 30 + 3,000,000 x 2 = 9,000,000; free 20,000 x 30 = 600,000
    // (9,000,000 - 600,000) x $0.0000018 = $15.12
    expect(line(bill, "fs.writes").cost).toBeCloseTo(15.12, 6);
    // storage: 100,000 x 100 KiB + 3,000,000 x 1 KiB x 12 months = 46,000,000 KiB = 43.8690 GiB
    // (43.8690 - 1 free) x $0.18 = $7.71642
    expect(line(bill, "fs.storage").usage).toBeCloseTo(43.869, 3);
    expect(line(bill, "fs.storage").cost).toBeCloseTo(7.71642, 4);
  });

  test("egress", () => {
    // 3,000,000 x 2 KiB = 6,000,000 KiB = 5.72205 GiB; (5.72205 - 1 free) x $0.12 = $0.566646
    expect(line(bill, "net.egress").cost).toBeCloseTo(0.566646, 5);
  });

  test("GPU: busy 300,000 s, the idle tails fill the rest of the month", () => {
    // busy: 3,000,000 x 0.1 s = 300,000 s. ~1.16 calls/s: a 15-min gap never happens, so the estimated
    // tails cover the month: idle = 2,592,000 - 300,000 = 2,292,000 s; up 2,592,000 instance-s in all.
    expect(line(bill, "gpu.serving").usage).toBeCloseTo(300_000, 3);
    expect(line(bill, "gpu.idleTails").usage).toBeCloseTo(2_292_000, 3);
    // GPU 2,592,000 x $0.0001867 = $483.9264
    // vCPU (2,592,000 x 4 - 240,000 free) x $0.000018 = 10,128,000 x 0.000018 = $182.304
    // memory (2,592,000 x 16 - 450,000 free) x $0.000002 = 41,022,000 x 0.000002 = $82.044
    // total $748.2744, split by seconds: serving 300,000/2,592,000 -> $86.6058, idle -> $661.6686
    expect(line(bill, "gpu.serving").cost + line(bill, "gpu.idleTails").cost).toBeCloseTo(748.2744, 4);
    expect(line(bill, "gpu.serving").cost).toBeCloseTo(86.6058, 4);
    expect(line(bill, "gpu.minInstances").cost).toBe(0);
  });

  test("Secret Manager within its free tier, and the total", () => {
    expect(line(bill, "sm.accesses").cost).toBe(0);
    expect(line(bill, "sm.versions").cost).toBe(0);
    // 0.40 + 10.08 + 0 + 0.566646 + 20.70 + 15.12 + 7.71642 + 748.2744 = 802.857466
    expect(bill.total).toBeCloseTo(802.857466, 4);
  });

  test("what dominates: the idle tails, 661.6686 / 802.857466 = 82.41%", () => {
    const top = dominant(bill);
    expect(top?.id).toBe("gpu.idleTails");
    expect(top?.share).toBeCloseTo(0.82414, 4);
  });
});

describe("architectures B and C at the same volume", () => {
  test("B: no function lines, the gateway's 100 ms per call moves into the GPU's busy time", () => {
    const b = computeBill("B", inputs(), RATES);
    expect(b.lines.some((l) => l.id.startsWith("fn."))).toBe(false);
    // busy 3,000,000 x (0.1 + 0.1) = 600,000 s; still one instance up all month: GPU total $748.2744
    // serving share 600,000 / 2,592,000 x 748.2744 = $173.2117
    expect(line(b, "gpu.serving").cost).toBeCloseTo(173.2117, 4);
    // no shared secret in B
    expect(line(b, "sm.versions").usage).toBe(0);
    // 0.566646 + 20.70 + 15.12 + 7.71642 + 748.2744 = 792.377466
    expect(b.total).toBeCloseTo(792.377466, 4);
  });

  test("C: Pro base fee plus one started package of invocations beyond 2M", () => {
    const c = computeBill("C", inputs(), RATES);
    expect(line(c, "sb.plan").cost).toBe(25);
    // 3,000,000 - 2,000,000 included = 1,000,000 -> 1 package x $2
    expect(line(c, "sb.invocations").cost).toBe(2);
    // 25 + 2 + 0.566646 + 20.70 + 15.12 + 7.71642 + 748.2744 = 819.377466
    expect(c.total).toBeCloseTo(819.377466, 4);
  });
});

describe("without free tiers (every unit billed), 1,000 calls with one idle tail pinned", () => {
  const inp = inputs({ mau: 1000, callsPerUser: 1, episodes: 1 });
  const a = computeBill("A", inp, NO_FREE);

  test("function lines", () => {
    // 1,000 x $0.0000004 = $0.0004; 1,000 x 0.2 s x $0.000024 = $0.0048; 1,000 x 0.2 x 0.25 GiB x $0.0000025 = $0.000125
    expect(line(a, "fn.invocations").cost).toBeCloseTo(0.0004, 9);
    expect(line(a, "fn.vcpu").cost).toBeCloseTo(0.0048, 9);
    expect(line(a, "fn.memory").cost).toBeCloseTo(0.000125, 9);
  });

  test("GPU: 100 s serving + one 900 s tail at $0.0002907 per instance-second", () => {
    // per instance-second: 0.0001867 + 4 x 0.000018 + 16 x 0.000002 = $0.0002907
    // serving 1,000 x 0.1 = 100 s -> $0.02907; tail 1 x 900 s -> $0.26163
    expect(line(a, "gpu.serving").cost).toBeCloseTo(0.02907, 8);
    expect(line(a, "gpu.idleTails").cost).toBeCloseTo(0.26163, 8);
  });

  test("Secret Manager: 1 version at $0.06; A reads the secret at 2 starts (function + GPU)", () => {
    // 1 episode -> 1 start of each; 2 x $0.000003 = $0.000006
    expect(line(a, "sm.versions").cost).toBeCloseTo(0.06, 9);
    expect(line(a, "sm.accesses").cost).toBeCloseTo(0.000006, 12);
  });
});

describe("GPU time", () => {
  test("Cloud Run bills 100 ms steps", () => {
    expect(roundUpTo100ms(200)).toBe(200);
    expect(roundUpTo100ms(200.5)).toBe(300);
    expect(roundUpTo100ms(1)).toBe(100);
    expect(roundUpTo100ms(0)).toBe(0);
  });

  test("sparse traffic: every call gets its own full tail", () => {
    // 10 calls a month: rate 10/2,592,000 per s; 1 - e^(-rate x 900) ~ rate x 900, so ~10 full tails
    expect(estimatedEpisodes(10, 30, 24, 900)).toBeCloseTo(10, 1);
  });

  test("busy traffic: the tails cover the month (2,592,000 / 900 = 2,880 tails)", () => {
    expect(estimatedEpisodes(10_000_000, 30, 24, 900)).toBeCloseTo(2880, 6);
  });

  test("quiet hours: 12 active hours a day cap the tails at half the month", () => {
    // 30 x 12 x 3,600 = 1,296,000 active s; dense traffic -> 1,296,000 / 900 = 1,440 tails
    expect(estimatedEpisodes(10_000_000, 30, 12, 900)).toBeCloseTo(1440, 6);
  });

  test("batching gain divides GPU-seconds", () => {
    // 1,000 calls x 0.1 s / 4 = 25 s
    expect(gpuTime(inputs({ batchingGain: 4 }), 1000, 0).busyS).toBeCloseTo(25, 9);
  });

  test("min instances: billed all month, busy time inside them costs nothing extra", () => {
    const t = gpuTime(inputs({ minInstances: 1 }), 3_000_000, 0);
    expect(t.alwaysOnS).toBe(MONTH);
    expect(t.servingS).toBe(0);
    expect(t.idleTailS).toBe(0);
    // 30,000,000 calls x 0.1 s = 3,000,000 s > 2,592,000: 408,000 s spill onto a second instance
    expect(gpuTime(inputs({ minInstances: 1 }), 30_000_000, 0).servingS).toBeCloseTo(408_000, 3);
  });

  test("scale to zero with more busy time than a month: no idle tails on top, and a note", () => {
    // 30,000,000 x 0.1 s = 3,000,000 s busy; awake cap 30 x (86,400 + 900) = 2,619,000 s < busy -> no tails
    const t = gpuTime(inputs(), 30_000_000, 0);
    expect(t.servingS).toBeCloseTo(3_000_000, 3);
    expect(t.idleTailS).toBe(0);
    expect(computeBill("A", inputs(), RATES, 30_000_000).notes.join(" ")).toMatch(/1\.16 GPU instances busy all month/);
  });

  test("min instances 1 without free tiers: 2,592,000 s x $0.0002907 = $753.4944", () => {
    const a = computeBill("A", inputs({ minInstances: 1 }), NO_FREE);
    expect(line(a, "gpu.minInstances").cost).toBeCloseTo(753.4944, 4);
  });
});
