import { type BurstLimiter, MemoryBurstLimiter } from "../../src/core/burst";
import { GatewayError } from "../../src/core/errors";
import { createGetQuotaHandler, createInferHandler, type InferHandler } from "../../src/core/infer";
import { MemoryLogger } from "../../src/core/logger";
import { MAX_INPUT_CHARS, MAX_INPUTS } from "../../src/core/schema";
import { UpstreamError } from "../../src/core/upstream";
import { FakeClock, FakeGuard, FakeInference, FakeQuotaStore, NoBurstLimit } from "../support/fakes";
import { refusal } from "../support/refusal";

function setup(at = "2026-03-10T12:00:00.000Z", burst: BurstLimiter = new NoBurstLimit()) {
  const quota = new FakeQuotaStore();
  const guard = new FakeGuard();
  const inference = new FakeInference();
  const clock = new FakeClock(new Date(at));
  const logger = new MemoryLogger();
  let ids = 0;
  let ms = 0;
  const deps = {
    quota,
    guard,
    burst,
    inference,
    logger,
    now: clock.now,
    monotonicMs: () => (ms += 7),
    newCallId: () => `call-${++ids}`,
  };
  const handler: InferHandler = createInferHandler(deps);
  return { quota, guard, inference, clock, logger, handler, getQuota: createGetQuotaHandler(deps) };
}

const codeOf = (p: Promise<unknown>) => refusal(p, GatewayError);

describe("infer: who", () => {
  it("refuses a caller who is not signed in, before anything is charged or called", async () => {
    const { handler, quota, inference } = setup();
    const err = await codeOf(handler({ uid: undefined, data: { inputs: ["hi"] } }));
    expect(err.code).toBe("unauthenticated");
    expect(quota.operations).toBe(0);
    expect(inference.calls).toHaveLength(0);
  });
});

describe("infer: what", () => {
  const bad: [string, unknown, RegExp][] = [
    ["no payload", undefined, /expected object/i],
    ["null", null, /expected object/i],
    ["a string", "hello", /expected object/i],
    ["missing inputs", {}, /inputs/],
    ["inputs not an array", { inputs: "hello" }, /inputs: .*array/i],
    ["empty list", { inputs: [] }, /inputs: must hold at least one text/],
    ["too many", { inputs: Array(MAX_INPUTS + 1).fill("x") }, /at most 16 texts/],
    ["an empty text", { inputs: ["ok", ""] }, /inputs\[1\]: must not be empty/],
    ["a text too long", { inputs: ["x".repeat(MAX_INPUT_CHARS + 1)] }, /inputs\[0\]: must be at most 2000 characters/],
    ["a number inside", { inputs: ["ok", 3] }, /inputs\[1\]: .*string/i],
    ["an unknown key", { inputs: ["ok"], model: "big" }, /model/],
    ["a lone high surrogate", { inputs: ["ok \uD800 then"] }, /inputs\[0\]: must be valid Unicode/],
    ["a lone low surrogate", { inputs: ["fine", "\uDC00"] }, /inputs\[1\]: must be valid Unicode/],
    ["a __proto__ key", JSON.parse('{"inputs":["ok"],"__proto__":{"admin":true}}'), /__proto__/],
  ];

  it.each(bad)("rejects %s with invalid-argument and charges nothing", async (_name, data, message) => {
    const { handler, quota, inference } = setup();
    const err = await codeOf(handler({ uid: "u1", data }));
    expect(err.code).toBe("invalid-argument");
    expect(err.message).toMatch(message);
    expect(quota.operations).toBe(0);
    expect(inference.calls).toHaveLength(0);
  });

  it("accepts the largest allowed payload", async () => {
    const { handler, inference } = setup();
    const inputs = Array(MAX_INPUTS).fill("y".repeat(MAX_INPUT_CHARS));
    const res = await handler({ uid: "u1", data: { inputs } });
    expect(res.outputs).toHaveLength(MAX_INPUTS);
    expect(inference.calls[0]).toEqual(inputs);
  });
});

describe("infer: quota", () => {
  it("charges one call, answers with the outputs and the remaining quota, and records usage", async () => {
    const { handler, quota } = setup();
    const res = await handler({ uid: "u1", data: { inputs: ["abc", "ab"] } });
    expect(res.outputs).toEqual([
      { label: "positive", score: 0.75 },
      { label: "negative", score: 0.75 },
    ]);
    expect(res.units).toBe(2);
    expect(res.replayed).toBe(false);
    expect(res.quota).toMatchObject({ planId: "free", remaining: 2, credits: 0, inFlight: 1, maxInFlight: 5 });
    expect(res.quota.windows.find((w) => w.window === "day")).toEqual({
      window: "day",
      calls: { used: 1, limit: 3 },
      units: { used: 2, limit: null },
      resetsAt: "2026-03-11T00:00:00.000Z",
    });
    expect(quota.records.get("u1/call-1")).toMatchObject({ status: "ok", units: 2, result: { model: "fake", units: 2 } });
    expect(quota.docs.get("u1")?.inFlight).toEqual({});
  });

  it("refuses the call past the daily limit with the seconds until the UTC day resets", async () => {
    const { handler, inference, clock } = setup("2026-03-10T23:59:00.000Z");
    for (let i = 0; i < 3; i++) await handler({ uid: "u1", data: { inputs: ["x"] } });
    clock.set("2026-03-10T23:59:30.250Z");
    const err = await codeOf(handler({ uid: "u1", data: { inputs: ["x"] } }));
    expect(err.code).toBe("resource-exhausted");
    expect(err.details).toMatchObject({ reason: "quota", window: "day", limit: 3, retryAfterSeconds: 30 });
    expect(inference.calls).toHaveLength(3);
  });

  it("starts a fresh count at the UTC day boundary", async () => {
    const { handler, clock, quota } = setup("2026-03-10T23:59:59.999Z");
    for (let i = 0; i < 3; i++) await handler({ uid: "u1", data: { inputs: ["x"] } });
    clock.set("2026-03-11T00:00:00.000Z");
    const res = await handler({ uid: "u1", data: { inputs: ["x"] } });
    expect(quota.used("u1")).toBe(1);
    expect(res.quota.remaining).toBe(2);
  });

  it("keeps users' quotas apart", async () => {
    const { handler } = setup();
    for (let i = 0; i < 3; i++) await handler({ uid: "u1", data: { inputs: ["x"] } });
    const res = await handler({ uid: "u2", data: { inputs: ["x"] } });
    expect(res.quota.remaining).toBe(2);
  });

  it("refuses banned users and plans without model access", async () => {
    const { handler, quota, inference } = setup();
    quota.docs.set("banned", { banned: true });
    quota.plans.set("none", { modelAccess: false, maxInFlight: 1, limits: { day: { calls: 10 } } });
    quota.docs.set("noaccess", { planId: "none" });
    expect((await codeOf(handler({ uid: "banned", data: { inputs: ["x"] } }))).code).toBe("permission-denied");
    expect((await codeOf(handler({ uid: "noaccess", data: { inputs: ["x"] } }))).code).toBe("permission-denied");
    expect(inference.calls).toHaveLength(0);
  });

  it("fails closed with unavailable when the quota store cannot be reached", async () => {
    const { handler, quota, inference, logger } = setup();
    quota.failWith = new Error("14 UNAVAILABLE: connection refused");
    const err = await codeOf(handler({ uid: "u1", data: { inputs: ["x"] } }));
    expect(err.code).toBe("unavailable");
    expect(err.message).not.toMatch(/14 UNAVAILABLE/);
    expect(inference.calls).toHaveLength(0);
    expect(logger.entries.some((e) => e.level === "error")).toBe(true);
  });
});

describe("infer: a store that hangs", () => {
  // The Firestore client retries an unreachable backend for minutes; the core must not wait that long.
  function hanging() {
    const ctx = setup();
    let release: (() => void) | undefined;
    const gate = new Promise<void>((r) => (release = r));
    const signals: AbortSignal[] = [];
    const reserve = ctx.quota.reserve.bind(ctx.quota);
    ctx.quota.reserve = async (req) => {
      if (req.signal) signals.push(req.signal);
      await gate;
      return reserve(req);
    };
    const { quota, guard, inference, logger, clock } = ctx;
    const handler = createInferHandler({
      quota, guard, inference, logger, burst: new NoBurstLimit(), now: clock.now,
      monotonicMs: () => 0, newCallId: () => "late-1", storeDeadlineMs: 50,
    });
    return { ...ctx, handler, signals, release: () => release?.() };
  }

  it("fails closed with unavailable at the store deadline, without calling the model", async () => {
    const { handler, inference, signals, release } = hanging();
    const started = Date.now();
    const err = await codeOf(handler({ uid: "u1", data: { inputs: ["x"] } }));
    expect(err.code).toBe("unavailable");
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(signals[0]?.aborted).toBe(true);
    expect(inference.calls).toHaveLength(0);
    release();
  });

  it("gives back a reservation that lands after the caller was refused", async () => {
    const { handler, quota, release, guard } = hanging();
    await codeOf(handler({ uid: "u1", data: { inputs: ["x"] } }));
    release();
    for (let i = 0; i < 50 && quota.records.get("u1/late-1")?.status !== "refunded"; i++) await new Promise((r) => setImmediate(r));
    expect(quota.records.get("u1/late-1")).toMatchObject({ status: "refunded", outcome: "store_timeout" });
    expect(quota.used("u1")).toBe(0);
    expect(quota.docs.get("u1")?.inFlight).toEqual({});
    expect(guard.admittedCount).toBe(guard.refundedCount);
  });

  it("answers the caller when the commit hangs, and logs that the record was not completed", async () => {
    const { quota, inference, logger, clock, guard } = setup();
    quota.commit = () => new Promise<void>(() => undefined);
    const handler = createInferHandler({ quota, guard, inference, logger, burst: new NoBurstLimit(), now: clock.now, monotonicMs: () => 0, newCallId: () => "c-1", storeDeadlineMs: 50 });
    const answer = await handler({ uid: "u1", data: { inputs: ["x"] } });
    expect(answer.outputs).toHaveLength(1);
    expect(logger.entries.map((e) => e.message)).toContain("usage record not completed");
  });
});

describe("infer: model failures are refunded", () => {
  it.each([
    ["unavailable", new UpstreamError("upstream_unavailable", "unavailable", "The model is busy.", 5), "unavailable"],
    ["timeout", new UpstreamError("upstream_timeout", "deadline-exceeded", "Too slow."), "deadline-exceeded"],
    ["unknown error", new Error("socket hang up: secret=abc"), "internal"],
  ])("%s: the caller gets the mapped code, the counter is back where it was, one record says why", async (_n, failure, code) => {
    const { handler, quota, inference } = setup();
    await handler({ uid: "u1", data: { inputs: ["x"] } });
    inference.failWith = failure;
    const err = await codeOf(handler({ uid: "u1", data: { inputs: ["x"] } }));
    expect(err.code).toBe(code);
    expect(err.message).not.toMatch(/secret/);
    expect(quota.used("u1")).toBe(1);
    expect(quota.docs.get("u1")?.inFlight).toEqual({});
    expect(quota.records.size).toBe(2);
    expect(quota.records.get("u1/call-2")).toMatchObject({
      status: "refunded",
      outcome: failure instanceof UpstreamError ? failure.failure : "upstream_error",
    });
  });

  it("still answers with the model's error when the refund itself fails, and logs it", async () => {
    const { handler, quota, inference, logger } = setup();
    inference.failWith = new UpstreamError("upstream_unavailable", "unavailable", "busy");
    quota.refund = async () => {
      throw new Error("deadline");
    };
    const err = await codeOf(handler({ uid: "u1", data: { inputs: ["x"] } }));
    expect(err.code).toBe("unavailable");
    expect(logger.entries.map((e) => e.message)).toContain("refund failed; the user was charged for a failed call");
  });
});

describe("infer: burst limiter, global guard and idempotency", () => {
  it("refuses a flood from one user in memory, with zero quota-store operations once it trips", async () => {
    const { handler, quota, inference } = setup(undefined, new MemoryBurstLimiter(2, 60));
    await handler({ uid: "u1", data: { inputs: ["x"] } });
    await handler({ uid: "u1", data: { inputs: ["x"] } });
    const before = quota.operations;
    for (let i = 0; i < 20; i++) {
      const err = await codeOf(handler({ uid: "u1", data: { inputs: ["x"] } }));
      expect(err.code).toBe("resource-exhausted");
      expect(err.details).toMatchObject({ reason: "burst", limit: 2, window: "60s" });
      expect(err.details?.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    }
    expect(quota.operations).toBe(before);
    expect(inference.calls).toHaveLength(2);
    // Another user has their own allowance.
    await expect(handler({ uid: "u2", data: { inputs: ["x"] } })).resolves.toMatchObject({ replayed: false });
  });

  it("refuses every call while the guard says the kill switch is on or the budget is spent", async () => {
    const { handler, guard, quota, inference } = setup();
    guard.failWith = new GatewayError("unavailable", "switched off", { reason: "disabled" });
    expect((await codeOf(handler({ uid: "u1", data: { inputs: ["x"] } }))).details).toEqual({ reason: "disabled" });
    expect(quota.operations).toBe(0);
    expect(inference.calls).toHaveLength(0);
  });

  it("charges a retried call with the same requestId once and replays its answer", async () => {
    const { handler, quota, inference, guard } = setup();
    const first = await handler({ uid: "u1", data: { inputs: ["abc"], requestId: "req-000001" } });
    const again = await handler({ uid: "u1", data: { inputs: ["abc"], requestId: "req-000001" } });
    expect(again.replayed).toBe(true);
    expect(again.outputs).toEqual(first.outputs);
    expect(inference.calls).toHaveLength(1);
    expect(quota.used("u1")).toBe(1);
    expect(guard.admittedCount).toBe(1);
  });

  it("charges a retry again when the first attempt was refunded", async () => {
    const { handler, quota, inference } = setup();
    inference.failWith = new UpstreamError("upstream_unavailable", "unavailable", "busy");
    await codeOf(handler({ uid: "u1", data: { inputs: ["abc"], requestId: "req-000002" } }));
    inference.failWith = undefined;
    const res = await handler({ uid: "u1", data: { inputs: ["abc"], requestId: "req-000002" } });
    expect(res.replayed).toBe(false);
    expect(quota.used("u1")).toBe(1);
  });

  it("rejects a malformed requestId as invalid-argument", async () => {
    const { handler, quota } = setup();
    const err = await codeOf(handler({ uid: "u1", data: { inputs: ["abc"], requestId: "../../etc" } }));
    expect(err.code).toBe("invalid-argument");
    expect(err.message).toMatch(/requestId/);
    expect(quota.operations).toBe(0);
  });
});

describe("getQuota", () => {
  it("reports each window's use, limit and reset without charging", async () => {
    const { handler, getQuota, quota } = setup();
    await handler({ uid: "u1", data: { inputs: ["x"] } });
    const status = await getQuota({ uid: "u1", data: undefined });
    expect(status.remaining).toBe(2);
    expect(status.windows.map((w) => w.window)).toEqual(["minute", "day", "month"]);
    expect(quota.used("u1")).toBe(1);
  });

  it("refuses callers who are not signed in and unexpected arguments", async () => {
    const { getQuota } = setup();
    expect((await codeOf(getQuota({ uid: undefined, data: null }))).code).toBe("unauthenticated");
    expect((await codeOf(getQuota({ uid: "u1", data: { uid: "someone-else" } }))).code).toBe("invalid-argument");
  });
});

describe("infer: unicode that is valid", () => {
  it("accepts surrogate pairs (emoji), RTL and zero-width characters", async () => {
    const { handler, inference } = setup();
    const inputs = ["😀 ok", "\u05E9\u05DC\u05D5\u05DD", "a\u200Bb\u200Dc", "\uD83D\uDE00"];
    await expect(handler({ uid: "u1", data: { inputs } })).resolves.toMatchObject({ replayed: false });
    expect(inference.calls[0]).toEqual(inputs);
  });
});
