import { GatewayError } from "../../src/core/errors";
import { admit, effectivePlan, type EffectivePlan, quotaStatus, refundWindows } from "../../src/core/limits";
import type { QuotaDoc } from "../../src/core/schema";
import { planSchema } from "../../src/core/schema";
import { unitsFor } from "../../src/core/units";
import { secondsUntil, windowEnd, windowKey } from "../../src/core/windows";
import { ts } from "../support/fakes";

const T = (iso: string) => new Date(iso);
const TTL = 70_000;

function plan(limits: EffectivePlan["limits"], maxInFlight = 10): EffectivePlan {
  return { planId: "p", modelAccess: true, maxInFlight, limits };
}

function refusal(fn: () => unknown): GatewayError {
  try {
    fn();
  } catch (err) {
    if (err instanceof GatewayError) return err;
    throw err;
  }
  throw new Error("expected a refusal");
}

/** Admits `n` calls one after another at `now`, returning the document after them. */
function charge(doc: QuotaDoc, p: EffectivePlan, n: number, now: Date, units = 1): QuotaDoc {
  let d = doc;
  for (let i = 0; i < n; i++) {
    const a = admit(d, p, units, `c${i}-${Math.random()}`, now, TTL);
    d = { ...d, windows: a.windows, credits: a.credits, inFlight: {} };
  }
  return d;
}

describe("windows (fixed, UTC)", () => {
  it.each([
    ["minute", "2026-03-10T12:05:59.999Z", "2026-03-10T12:05", "2026-03-10T12:06:00.000Z"],
    ["day", "2026-03-10T23:59:59.999Z", "2026-03-10", "2026-03-11T00:00:00.000Z"],
    ["month", "2026-12-31T23:59:59.999Z", "2026-12", "2027-01-01T00:00:00.000Z"],
    ["month", "2028-02-29T10:00:00.000Z", "2028-02", "2028-03-01T00:00:00.000Z"],
    ["day", "2026-03-08T01:30:00.000Z", "2026-03-08", "2026-03-09T00:00:00.000Z"],
  ] as const)("%s window of %s is %s and ends at %s", (w, now, key, end) => {
    expect(windowKey(w, T(now))).toBe(key);
    expect(windowEnd(w, T(now)).toISOString()).toBe(end);
  });

  it("rounds the wait up to whole seconds, at least one", () => {
    expect(secondsUntil(T("2026-01-01T00:00:10Z"), T("2026-01-01T00:00:00.001Z"))).toBe(10);
    expect(secondsUntil(T("2026-01-01T00:00:00Z"), T("2026-01-01T00:00:00Z"))).toBe(1);
  });
});

describe("units", () => {
  it("charges one unit per started 100 characters of each input", () => {
    expect(unitsFor(["a"])).toBe(1);
    expect(unitsFor(["x".repeat(100)])).toBe(1);
    expect(unitsFor(["x".repeat(101)])).toBe(2);
    expect(unitsFor(["x".repeat(2000), "y"])).toBe(21);
  });
});

describe("admit: every window at once, or none", () => {
  const now = T("2026-03-10T12:00:30Z");

  it("counts the call in the minute, day and month windows and takes a slot", () => {
    const a = admit({}, plan({ day: { calls: 5 } }), 3, "c1", now, TTL);
    expect(a.windows).toEqual({
      minute: { key: "2026-03-10T12:00", calls: 1, units: 3 },
      day: { key: "2026-03-10", calls: 1, units: 3 },
      month: { key: "2026-03", calls: 1, units: 3 },
    });
    expect(a.inFlight.c1?.toISOString()).toBe("2026-03-10T12:01:40.000Z");
  });

  it("refuses at the minute limit and says when the minute ends", () => {
    const p = plan({ minute: { calls: 2 }, day: { calls: 100 } });
    const doc = charge({}, p, 2, now);
    const err = refusal(() => admit(doc, p, 1, "c", now, TTL));
    expect(err.details).toMatchObject({ reason: "quota", window: "minute", limit: 2, retryAfterSeconds: 30 });
    // The next minute is a fresh window.
    expect(() => admit(doc, p, 1, "c", T("2026-03-10T12:01:00Z"), TTL)).not.toThrow();
  });

  it("refuses on units as well as calls", () => {
    const p = plan({ day: { calls: 100, units: 10 } });
    const doc = charge({}, p, 1, now, 8);
    const err = refusal(() => admit(doc, p, 3, "c", now, TTL));
    expect(err.details).toMatchObject({ reason: "quota", window: "day" });
    expect(() => admit(doc, p, 2, "c", now, TTL)).not.toThrow();
  });

  it("names the month when both day and month are full, since tomorrow would not help", () => {
    const p = plan({ day: { calls: 2 }, month: { calls: 2 } });
    const doc = charge({}, p, 2, now);
    const err = refusal(() => admit(doc, p, 1, "c", now, TTL));
    expect(err.details).toMatchObject({ window: "month", resetsAt: "2026-04-01T00:00:00.000Z" });
  });

  it("leaves the document untouched when refusing (it returns nothing to write)", () => {
    const p = plan({ minute: { calls: 100 }, day: { calls: 1 } });
    const doc = charge({}, p, 1, now);
    const snapshot = JSON.stringify(doc);
    refusal(() => admit(doc, p, 1, "c", now, TTL));
    expect(JSON.stringify(doc)).toBe(snapshot);
  });

  it("spends a credit only when a day or month limit is reached", () => {
    const p = plan({ day: { calls: 1 } });
    let doc: QuotaDoc = { credits: 2 };
    let a = admit(doc, p, 1, "a", now, TTL);
    expect([a.creditUsed, a.credits]).toEqual([false, 2]);
    doc = { ...doc, windows: a.windows, credits: a.credits };
    a = admit(doc, p, 1, "b", now, TTL);
    expect([a.creditUsed, a.credits]).toEqual([true, 1]);
    doc = { ...doc, windows: a.windows, credits: a.credits };
    a = admit(doc, p, 1, "c", now, TTL);
    expect([a.creditUsed, a.credits]).toEqual([true, 0]);
    doc = { ...doc, windows: a.windows, credits: a.credits };
    expect(refusal(() => admit(doc, p, 1, "d", now, TTL)).details).toMatchObject({ window: "day" });
  });

  it("never lets credits stand in for the minute limit", () => {
    const p = plan({ minute: { calls: 1 }, day: { calls: 100 } });
    const doc = charge({ credits: 5 }, p, 1, now);
    expect(refusal(() => admit(doc, p, 1, "c", now, TTL)).details).toMatchObject({ window: "minute" });
  });

  it("limits calls in flight, and a crashed call's slot expires after its TTL", () => {
    const p = plan({ day: { calls: 100 } }, 2);
    const doc: QuotaDoc = { inFlight: { a: ts(T("2026-03-10T12:01:00Z")), b: ts(T("2026-03-10T12:01:05Z")) } };
    expect(refusal(() => admit(doc, p, 1, "c", now, TTL)).details).toMatchObject({ reason: "concurrency", limit: 2 });
    const later = admit(doc, p, 1, "c", T("2026-03-10T12:01:01Z"), TTL);
    expect(Object.keys(later.inFlight).sort()).toEqual(["b", "c"]);
  });

  it("refuses banned users and plans without access before anything else", () => {
    const p = plan({ day: { calls: 100 } });
    expect(refusal(() => admit({ banned: true }, p, 1, "c", now, TTL)).code).toBe("permission-denied");
    expect(refusal(() => admit({}, { ...p, modelAccess: false }, 1, "c", now, TTL)).code).toBe("permission-denied");
  });
});

describe("effectivePlan: per-user overrides", () => {
  const base = planSchema.parse({ limits: { day: { calls: 10 }, month: { calls: 100 } } });
  const now = T("2026-03-10T12:00:00Z");

  it("replaces the overridden windows until the override expires", () => {
    const doc: QuotaDoc = { override: { limits: { day: { calls: 500 } }, maxInFlight: 9, expiresAt: ts(T("2026-03-11T00:00:00Z")) } };
    expect(effectivePlan("free", base, doc, now)).toMatchObject({
      maxInFlight: 9,
      limits: { day: { calls: 500 }, month: { calls: 100 } },
    });
    expect(effectivePlan("free", base, doc, T("2026-03-11T00:00:00Z")).limits.day).toEqual({ calls: 10 });
  });
});

describe("plan documents fail closed", () => {
  it.each([
    ["no limits at all", {}],
    ["only a minute limit (unlimited per day and month)", { limits: { minute: { calls: 5 } } }],
    ["a negative limit", { limits: { day: { calls: -1 } } }],
    ["a fractional limit", { limits: { day: { calls: 1.5 } } }],
    ["a string limit", { limits: { day: { calls: "100" } } }],
    ["an unknown window", { limits: { day: { calls: 1 }, week: { calls: 5 } } }],
    ["a misspelt field", { limits: { day: { call: 1 } } }],
    ["maxInFlight 0", { limits: { day: { calls: 1 } }, maxInFlight: 0 }],
  ])("rejects %s", (_name, doc) => {
    expect(planSchema.safeParse(doc).success).toBe(false);
  });

  it("accepts a minimal plan and fills in the defaults", () => {
    expect(planSchema.parse({ limits: { month: { units: 1000 } } })).toEqual({
      modelAccess: true,
      maxInFlight: 2,
      limits: { month: { units: 1000 } },
    });
  });
});

describe("refunds and status", () => {
  const now = T("2026-03-31T23:59:59Z");
  const p = plan({ day: { calls: 5 }, month: { calls: 50 } });

  it("gives back only windows that have not rolled over", () => {
    const doc = charge({}, p, 2, now, 4);
    const keys = { minute: "2026-03-31T23:59", day: "2026-03-31", month: "2026-03" };
    expect(refundWindows(doc, keys, 4)).toEqual({
      minute: { key: "2026-03-31T23:59", calls: 1, units: 4 },
      day: { key: "2026-03-31", calls: 1, units: 4 },
      month: { key: "2026-03", calls: 1, units: 4 },
    });
    const rolled = { ...doc, windows: { ...doc.windows, day: { key: "2026-04-01", calls: 1, units: 1 } } };
    expect(refundWindows(rolled, keys, 4).day).toBeUndefined();
  });

  it("reports remaining calls as the tightest day/month window plus credits", () => {
    const doc = charge({ credits: 3 }, p, 4, now);
    const status = quotaStatus(doc, p, now);
    expect(status.remaining).toBe(1 + 3);
    expect(status.windows.find((w) => w.window === "month")?.calls).toEqual({ used: 4, limit: 50 });
    expect(quotaStatus(doc, p, T("2026-04-01T00:00:00Z")).remaining).toBe(5 + 3);
  });
});
