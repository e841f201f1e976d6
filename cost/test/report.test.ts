/** The assembled report: the "function pricing doubles" scenario, what dominates, and the cheapest choice. */
import { parseCli } from "../src/inputs";
import { buildReport, formatTable } from "../src/report";
import { PRICE_FILE } from "./helpers";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const emptyBench = mkdtempSync(join(tmpdir(), "cost-bench-"));
const report = (...args: string[]) => {
  const parsed = parseCli(["--bench-dir", emptyBench, ...args]);
  if (parsed.help) throw new Error("help");
  return buildReport(parsed, PRICE_FILE);
};

describe("if function pricing doubles, at 100k MAU x 30 calls", () => {
  const r = report("--mau", "100000", "--calls-per-user", "30");

  test("A pays its hop twice over the free tier: +$10.48", () => {
    // before: 0.40 + 10.08 + 0 = $10.48; after: (1,000,000 x 0.0000008) + (420,000 x 0.000048) + 0 = 0.80 + 20.16 = $20.96
    expect(r.architectures.A.ifFunctionPricingDoubles.delta).toBeCloseTo(10.48, 6);
    // 10.48 / 802.857466 = 1.3053%
    expect(r.architectures.A.ifFunctionPricingDoubles.pct).toBeCloseTo(0.013053, 5);
  });

  test("B has no function: +$0", () => {
    expect(r.architectures.B.ifFunctionPricingDoubles.delta).toBe(0);
  });

  test("C pays the Pro fee and its one package twice: +$27", () => {
    // 25 -> 50 and 1 x 2 -> 1 x 4
    expect(r.architectures.C.ifFunctionPricingDoubles.delta).toBeCloseTo(27, 9);
  });

  test("B is cheapest here, and the table says so", () => {
    // 792.377466 (B) < 802.857466 (A) < 819.377466 (C)
    expect(r.cheapest).toBe("B");
    expect(formatTable(r)).toMatch(/Cheapest here: B:/);
  });
});

describe("at 1k MAU x 30 calls everything but the GPU fits in free tiers", () => {
  const r = report("--mau", "1000", "--calls-per-user", "30");

  test("A's hop costs $0 and doubling it costs $0 more", () => {
    expect(r.architectures.A.lines.filter((l) => l.id.startsWith("fn.")).every((l) => l.cost === 0)).toBe(true);
    expect(r.architectures.A.ifFunctionPricingDoubles.delta).toBe(0);
  });

  test("the GPU's idle tails dominate", () => {
    expect(r.architectures.A.dominant?.id).toBe("gpu.idleTails");
    expect(r.architectures.A.dominant?.share).toBeGreaterThan(0.99);
  });
});

test("no calls and no users: nothing dominates, the table says all within free tiers", () => {
  const r = report("--mau", "0");
  expect(r.architectures.A.total).toBe(0);
  expect(r.architectures.A.dominant).toBeNull();
  expect(formatTable(r)).toMatch(/A: nothing: all within free tiers/);
});
