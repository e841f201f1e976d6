/**
 * The gatekeeping rules against the real Firestore emulator: the core built with the Firestore
 * store and guard, an in-process model that can be held or made to fail, and a fake clock where
 * window boundaries matter. Firestore operations are counted at the RPC layer.
 */
import { fork } from "node:child_process";
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { getApps, initializeApp } from "firebase-admin/app";
import { type Firestore, getFirestore } from "firebase-admin/firestore";
import { grantCredits, resetBudget, setDailyBudget, setKillSwitch } from "../../src/admin/operations";
import { type BurstLimiter, MemoryBurstLimiter } from "../../src/core/burst";
import { GatewayError } from "../../src/core/errors";
import { FirestoreGuard } from "../../src/core/firestoreGuard";
import { FirestoreQuotaStore } from "../../src/core/firestoreQuotaStore";
import { createInferHandler, type InferHandler } from "../../src/core/infer";
import { MemoryLogger } from "../../src/core/logger";
import type { UpstreamResponse } from "../../src/core/schema";
import { UpstreamError } from "../../src/core/upstream";
import { clearFirestore, firestoreHost } from "../support/emulator";
import { FakeClock, NoBurstLimit } from "../support/fakes";
import { countOps } from "../support/firestoreOps";
import { refusal as refused } from "../support/refusal";

const PROJECT = "demo-gatekeeper-quota";
let db: Firestore;

/** An in-process model that answers at once, or holds every call until released, or fails. */
class Model {
  calls = 0;
  failWith: Error | undefined;
  private held: (() => void)[] = [];
  hold = false;
  async infer(inputs: string[]): Promise<UpstreamResponse> {
    this.calls++;
    if (this.hold) await new Promise<void>((r) => this.held.push(r));
    if (this.failWith) throw this.failWith;
    return { outputs: inputs.map(() => ({ label: "positive", score: 0.5 })), model: "m", model_version: "1" };
  }
  get waiting(): number {
    return this.held.length;
  }
  release(): void {
    this.hold = false;
    this.held.splice(0).forEach((r) => r());
  }
}

function gateway(options: { clock?: FakeClock; cacheMs?: number; burst?: BurstLimiter; newCallId?: () => string } = {}) {
  const model = new Model();
  const logger = new MemoryLogger();
  const now = options.clock?.now ?? (() => new Date());
  const nowMs = () => now().getTime();
  const cacheMs = options.cacheMs ?? 0;
  const handler: InferHandler = createInferHandler({
    quota: new FirestoreQuotaStore(db, { defaultPlanId: "free", logger, planCacheMs: cacheMs, slotTtlMs: 70_000, budgetShards: 4, nowMs }),
    guard: new FirestoreGuard(db, { defaultDailyBudget: 1_000_000, refreshMs: cacheMs, nowMs, logger }),
    burst: options.burst ?? new NoBurstLimit(),
    inference: model,
    logger,
    now,
    monotonicMs: () => performance.now(),
    newCallId: options.newCallId ?? (() => `c-${Math.random().toString(36).slice(2)}`),
  });
  const call = (uid: string, data: unknown = { inputs: ["x"] }) => handler({ uid, data });
  return { call, model, logger };
}

async function outcomes(promises: Promise<unknown>[]): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const r of await Promise.allSettled(promises)) {
    const key = r.status === "fulfilled" ? "ok" : `${(r.reason as GatewayError).code}:${(r.reason as GatewayError).details?.reason ?? ""}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

const refusal = (p: Promise<unknown>) => refused(p, GatewayError);

const quotaDoc = async (uid: string) => (await db.doc(`quotas/${uid}`).get()).data() ?? {};
const usageDocs = async (uid: string) => (await db.collection(`quotas/${uid}/usage`).get()).docs.map((d) => d.data());

beforeAll(() => {
  firestoreHost();
  if (getApps().length === 0) initializeApp({ projectId: PROJECT });
  db = getFirestore();
});

beforeEach(async () => {
  await clearFirestore(PROJECT);
  await db.doc("plans/free").set({ maxInFlight: 1000, limits: { day: { calls: 50 } } });
});

describe("exactness", () => {
  it("admits exactly 50 of 200 concurrent calls from one user with 50 remaining", async () => {
    const { call, model } = gateway({ cacheMs: 60_000 });
    const counts = await outcomes(Array.from({ length: 200 }, () => call("flood")));
    expect(counts).toEqual({ ok: 50, "resource-exhausted:quota": 150 });
    expect(model.calls).toBe(50);
    const doc = await quotaDoc("flood");
    expect(doc.windows.day.calls).toBe(50);
    expect(doc.inFlight).toEqual({});
    const usage = await usageDocs("flood");
    expect(usage).toHaveLength(50);
    expect(usage.every((u) => u.status === "ok")).toBe(true);
  });

  it("admits exactly 50 when 200 calls are spread over two gateway processes", async () => {
    const worker = resolve(__dirname, "../support/gatewayWorker.js");
    if (!existsSync(resolve(__dirname, "../../lib/core/infer.js"))) throw new Error("build the functions first (npm run build)");
    const run = () =>
      new Promise<{ codes: Record<string, number>; modelCalls: number }>((done, fail) => {
        const child = fork(worker, { env: { ...process.env, GCLOUD_PROJECT: PROJECT } });
        child.once("message", (m) => done(m as { codes: Record<string, number>; modelCalls: number }));
        child.once("error", fail);
        child.send({ uid: "split", calls: 100, project: PROJECT });
      });
    const [a, b] = await Promise.all([run(), run()]);
    expect((a.codes.ok ?? 0) + (b.codes.ok ?? 0)).toBe(50);
    expect(a.modelCalls + b.modelCalls).toBe(50);
    const others = Object.keys({ ...a.codes, ...b.codes }).filter((k) => k !== "ok");
    expect(others).toEqual(["resource-exhausted:quota"]);
    expect((await quotaDoc("split")).windows.day.calls).toBe(50);
    expect(await usageDocs("split")).toHaveLength(50);
  });
});

describe("in-flight slots", () => {
  it("holds the limit under concurrency and frees slots as calls finish", async () => {
    await db.doc("plans/free").set({ maxInFlight: 3, limits: { day: { calls: 100 } } });
    const { call, model } = gateway();
    model.hold = true;
    const settled: string[] = [];
    const all = Array.from({ length: 10 }, () =>
      call("busy").then(
        () => settled.push("ok"),
        (err: GatewayError) => settled.push(`${err.code}:${err.details?.reason}`),
      ),
    );
    // Which three get the slots is up to timing; the other seven must be refused while they run.
    while (settled.length < 7) await new Promise((r) => setTimeout(r, 10));
    expect(settled).toEqual(Array(7).fill("resource-exhausted:concurrency"));
    expect(model.waiting).toBe(3);
    expect(Object.keys((await quotaDoc("busy")).inFlight)).toHaveLength(3);
    model.release();
    await Promise.all(all);
    expect(settled.filter((s) => s === "ok")).toHaveLength(3);
    expect((await quotaDoc("busy")).inFlight).toEqual({});
    await expect(call("busy")).resolves.toMatchObject({ replayed: false });
  });

  it("releases slots whatever characters the call id holds (ids are data, not field paths)", async () => {
    await db.doc("plans/free").set({ maxInFlight: 1, limits: { day: { calls: 100 } } });
    let n = 0;
    const { call, model } = gateway({ newCallId: () => `id.with.dots-${++n}` });
    await call("dots");
    model.failWith = new UpstreamError("upstream_unavailable", "unavailable", "busy");
    await refusal(call("dots"));
    model.failWith = undefined;
    await call("dots");
    expect((await quotaDoc("dots")).inFlight).toEqual({});
    expect((await quotaDoc("dots")).windows.day.calls).toBe(2);
  });

  it("lets a slot left by a crashed call expire", async () => {
    await db.doc("plans/free").set({ maxInFlight: 1, limits: { day: { calls: 100 } } });
    const clock = new FakeClock(new Date("2026-05-01T10:00:00Z"));
    const { Timestamp } = await import("firebase-admin/firestore");
    await db.doc("quotas/crashed").set({ inFlight: { ghost: Timestamp.fromDate(new Date("2026-05-01T10:01:10Z")) } });
    const { call } = gateway({ clock });
    expect((await refusal(call("crashed"))).details?.reason).toBe("concurrency");
    clock.set("2026-05-01T10:01:10.001Z");
    await expect(call("crashed")).resolves.toMatchObject({ replayed: false });
  });
});

describe("windows", () => {
  it("resets each window exactly at its UTC boundary", async () => {
    await db.doc("plans/free").set({ maxInFlight: 5, limits: { minute: { calls: 2 }, day: { calls: 3 } } });
    const clock = new FakeClock(new Date("2026-05-31T23:58:10Z"));
    const { call } = gateway({ clock });
    await call("w");
    await call("w");
    const minute = await refusal(call("w"));
    expect(minute.details).toMatchObject({ reason: "quota", window: "minute", retryAfterSeconds: 50 });
    clock.set("2026-05-31T23:59:00Z");
    await call("w");
    const day = await refusal(call("w"));
    expect(day.details).toMatchObject({ window: "day", retryAfterSeconds: 60, resetsAt: "2026-06-01T00:00:00.000Z" });
    clock.set("2026-06-01T00:00:00Z");
    const res = await call("w");
    expect(res.quota.windows.find((w) => w.window === "month")?.calls.used).toBe(1);
  });
});

describe("refunds", () => {
  it.each([
    ["unavailable", new UpstreamError("upstream_unavailable", "unavailable", "busy", 3), "upstream_unavailable"],
    ["a timeout", new UpstreamError("upstream_timeout", "deadline-exceeded", "slow"), "upstream_timeout"],
  ])("a model failure (%s) leaves every counter, slot and credit where it started", async (_n, failure, outcome) => {
    await db.doc("plans/free").set({ maxInFlight: 5, limits: { minute: { units: 100 }, day: { calls: 1 }, month: { calls: 10 } } });
    await grantCredits(db, "r", 1);
    const { call, model } = gateway();
    await call("r", { inputs: ["x".repeat(250)] });
    const before = await quotaDoc("r");
    model.failWith = failure;
    // This call is over the day limit, so it spends the credit; the refund must give it back.
    const err = await refusal(call("r", { inputs: ["y".repeat(150)] }));
    expect(err.code).toBe(failure.code);
    const after = await quotaDoc("r");
    expect(after.windows).toEqual(before.windows);
    expect(after.credits).toBe(1);
    expect(after.inFlight).toEqual({});
    const usage = await usageDocs("r");
    expect(usage.map((u) => u.status).sort()).toEqual(["ok", "refunded"]);
    expect(usage.find((u) => u.status === "refunded")).toMatchObject({ outcome, creditUsed: true, units: 2 });
  });
});

describe("idempotency", () => {
  it("charges a retried call once and replays its stored answer", async () => {
    const { call, model } = gateway();
    const first = await call("i", { inputs: ["hello"], requestId: "retry-key-1" });
    const second = await call("i", { inputs: ["hello"], requestId: "retry-key-1" });
    expect(second).toMatchObject({ replayed: true, outputs: first.outputs, units: first.units });
    expect(model.calls).toBe(1);
    expect((await quotaDoc("i")).windows.day.calls).toBe(1);
    expect(await usageDocs("i")).toHaveLength(1);
  });

  it("refuses a duplicate while the first is still running, then replays it", async () => {
    const { call, model } = gateway();
    model.hold = true;
    const first = call("d", { inputs: ["hello"], requestId: "dup-key-01" });
    while (model.waiting < 1) await new Promise((r) => setTimeout(r, 10));
    const dup = await refusal(call("d", { inputs: ["hello"], requestId: "dup-key-01" }));
    expect(dup).toMatchObject({ code: "aborted", details: { reason: "in-progress" } });
    model.release();
    await first;
    await expect(call("d", { inputs: ["hello"], requestId: "dup-key-01" })).resolves.toMatchObject({ replayed: true });
    expect((await quotaDoc("d")).windows.day.calls).toBe(1);
  });
});

describe("fail closed", () => {
  it("refuses users whose quota document or plan is malformed, without reaching the model", async () => {
    const { call, model } = gateway();
    await db.doc("quotas/bad-doc").set({ credits: "lots" });
    expect((await refusal(call("bad-doc"))).code).toBe("failed-precondition");
    await db.doc("plans/broken").set({ limits: { minute: { calls: 5 } } });
    await db.doc("quotas/on-broken").set({ planId: "broken" });
    expect((await refusal(call("on-broken"))).code).toBe("failed-precondition");
    await db.doc("quotas/on-missing").set({ planId: "gone" });
    expect((await refusal(call("on-missing"))).code).toBe("failed-precondition");
    await db.doc("gateway/config").set({ killSwitch: "yes" });
    expect((await refusal(call("anyone"))).code).toBe("failed-precondition");
    expect(model.calls).toBe(0);
  });
});

describe("global protection", () => {
  it("the daily budget trips across users, and an admin reset lets calls through again", async () => {
    await setDailyBudget(db, 5);
    const { call, model } = gateway();
    for (const uid of ["a", "b", "c", "a", "b"]) await call(uid);
    const err = await refusal(call("c"));
    expect(err).toMatchObject({ code: "resource-exhausted", details: { reason: "budget", window: "day", limit: 5 } });
    expect(model.calls).toBe(5);
    expect(await resetBudget(db)).toBeGreaterThan(0);
    await expect(call("c")).resolves.toMatchObject({ replayed: false });
  });

  it("the kill switch refuses every call with its message until it is turned off", async () => {
    const { call, model } = gateway();
    await setKillSwitch(db, true, "Maintenance until 14:00 UTC.");
    const err = await refusal(call("k"));
    expect(err).toMatchObject({ code: "unavailable", message: "Maintenance until 14:00 UTC.", details: { reason: "disabled" } });
    expect(model.calls).toBe(0);
    expect(await quotaDoc("k")).toEqual({});
    await setKillSwitch(db, false);
    await expect(call("k")).resolves.toMatchObject({ replayed: false });
  });
});

describe("Firestore operations per call, counted at the RPC layer", () => {
  it("an admitted call costs one transaction; burst-refused calls cost nothing", async () => {
    await db.doc("plans/free").set({ maxInFlight: 5, limits: { day: { calls: 3 } } });
    // The burst limiter lets 4 calls per minute through for "ops": 3 admitted, 1 refused by quota.
    const { call } = gateway({ cacheMs: 60_000, burst: new MemoryBurstLimiter(4, 60) });
    await call("warm"); // fills the per-instance plan, config and budget caches
    const ops = countOps(db);
    try {
      await call("ops");
      const admitted = ops.reset();
      await call("ops", { inputs: ["x"], requestId: "counted-1" });
      const idempotent = ops.reset();
      await call("ops");
      ops.reset();
      expect((await refusal(call("ops"))).details?.reason).toBe("quota");
      const quotaRefused = ops.reset();
      const burst = await refusal(call("ops"));
      expect(burst.details?.reason).toBe("burst");
      const burstRefused = ops.reset();

      console.log(JSON.stringify({ admitted, idempotent, quotaRefused, burstRefused }));
      expect(admitted).toEqual({ reads: 1, queries: 0, writes: 6, commits: 2, transactions: 1, rollbacks: 0 });
      expect(idempotent).toMatchObject({ reads: 2, transactions: 1, commits: 2 });
      expect(quotaRefused).toMatchObject({ reads: 1, writes: 0, commits: 0, transactions: 0 });
      expect(burstRefused).toEqual({ reads: 0, queries: 0, writes: 0, commits: 0, transactions: 0, rollbacks: 0 });
    } finally {
      ops.restore();
    }
  });
});
