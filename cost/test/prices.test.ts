/** The price file: every entry carries its unit, value, source and read date, and bad files are refused. */
import { gpuTypes, PriceFileError, REQUIRED_IDS, scaleFunctionPrices, validatePriceFile } from "../src/prices";
import { PRICE_FILE, RATES } from "./helpers";

describe("cost/prices.json", () => {
  test("has every entry the model needs, each with unit, value, source URL, read date and the check warning", () => {
    for (const id of REQUIRED_IDS) expect(PRICE_FILE.entries[id]).toBeDefined();
    for (const [id, e] of Object.entries(PRICE_FILE.entries)) {
      expect([id, typeof e.value]).toEqual([id, "number"]);
      expect(e.unit.length).toBeGreaterThan(3);
      expect(e.source).toMatch(/^https:\/\//);
      expect(e.read).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(e.status).toBe("check before relying on it");
    }
  });

  test("holds the prices and free tiers the brief starts from", () => {
    const v = (id: string) => PRICE_FILE.entries[id]?.value;
    expect(v("cloudRun.requestBased.vcpuSecond")).toBe(0.000024);
    expect(v("cloudRun.requestBased.gibSecond")).toBe(0.0000025);
    expect(v("cloudRun.requestBased.request")! * 1e6).toBeCloseTo(0.4, 12);
    expect(v("cloudRun.requestBased.freeRequests")).toBe(2_000_000);
    expect(v("cloudRun.requestBased.freeVcpuSeconds")).toBe(180_000);
    expect(v("cloudRun.requestBased.freeGibSeconds")).toBe(360_000);
    expect(v("firestore.read")! * 100_000).toBeCloseTo(0.06, 12);
    expect(v("firestore.write")! * 100_000).toBeCloseTo(0.18, 12);
    expect(v("gpu.nvidia-l4")).toBe(0.0001867);
    expect(v("supabase.pro.baseFee")).toBe(25);
    expect(v("secretManager.access")! * 10_000).toBeCloseTo(0.03, 12);
    expect(gpuTypes(PRICE_FILE)).toEqual(expect.arrayContaining(["nvidia-l4", "nvidia-l4-zonal-redundancy"]));
  });

  test("refuses an entry without a source, a missing entry, and a negative value", () => {
    const clone = () => JSON.parse(JSON.stringify(PRICE_FILE));
    const noSource = clone();
    delete noSource.entries["firestore.read"].source;
    expect(() => validatePriceFile(noSource)).toThrow(/"firestore.read" needs a source URL/);
    const missing = clone();
    delete missing.entries["firestore.write"];
    expect(() => validatePriceFile(missing)).toThrow(/missing entry "firestore.write"/);
    const negative = clone();
    negative.entries["firestore.read"].value = -1;
    expect(() => validatePriceFile(negative)).toThrow(PriceFileError);
    const badDate = clone();
    badDate.entries["firestore.read"].read = "June 2025";
    expect(() => validatePriceFile(badDate)).toThrow(/read date/);
  });
});

describe("the doubled function prices", () => {
  test("double Cloud Functions and Supabase prices, and nothing else", () => {
    const d = scaleFunctionPrices(RATES, 2);
    expect(d.fnVcpuSecond).toBe(0.000048);
    expect(d.sbProBaseFee).toBe(50);
    expect(d.sbInvocationPackage).toBe(4);
    expect(d.fnFreeVcpuSeconds).toBe(RATES.fnFreeVcpuSeconds);
    expect(d.gpuSecond).toBe(RATES.gpuSecond);
    expect(d.fsRead).toBe(RATES.fsRead);
  });
});
