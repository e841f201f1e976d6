/**
 * In-memory stand-ins for the core's I/O, for unit tests only. The quota fake applies the same
 * pure rules (`limits.ts`) as the Firestore store; the Firestore store itself is tested on the emulator.
 */
import type { BurstLimiter } from "../../src/core/burst";
import { GatewayError } from "../../src/core/errors";
import { admit, effectivePlan, quotaStatus, refundWindows } from "../../src/core/limits";
import type { Plan, QuotaDoc, QuotaStatus, UpstreamResponse } from "../../src/core/schema";
import type { CallOutcome, Charged, GlobalGuard, QuotaStore, Reservation, ReserveRequest, StoredResult } from "../../src/core/store";
import type { InferenceClient } from "../../src/core/upstream";
import { WINDOWS, windowKey } from "../../src/core/windows";

export const ts = (d: Date) => ({ toDate: () => d });

interface Record_ {
  status: "pending" | "ok" | "refunded";
  outcome?: string;
  result?: StoredResult;
  units: number;
}

export class FakeQuotaStore implements QuotaStore {
  readonly plans = new Map<string, Plan>([
    ["free", { modelAccess: true, maxInFlight: 5, limits: { day: { calls: 3 } } }],
  ]);
  readonly docs = new Map<string, QuotaDoc>();
  readonly records = new Map<string, Record_>();
  operations = 0;
  failWith: Error | undefined;
  slotTtlMs = 70_000;

  async reserve(req: ReserveRequest): Promise<Reservation> {
    this.operations++;
    if (this.failWith) throw this.failWith;
    const doc = this.docs.get(req.uid) ?? {};
    const plan = this.plan(doc, req.now);
    const earlier = this.records.get(`${req.uid}/${req.callId}`);
    if (req.idempotent && earlier?.status === "ok" && earlier.result) {
      return { kind: "replay", uid: req.uid, callId: req.callId, result: earlier.result, status: quotaStatus(doc, plan, req.now) };
    }
    const a = admit(doc, plan, req.units, req.callId, req.now, this.slotTtlMs);
    const next: QuotaDoc = {
      ...doc,
      windows: a.windows,
      credits: a.credits,
      inFlight: Object.fromEntries(Object.entries(a.inFlight).map(([k, v]) => [k, ts(v)])),
    };
    this.docs.set(req.uid, next);
    this.records.set(`${req.uid}/${req.callId}`, { status: "pending", units: req.units });
    return {
      kind: "charged",
      uid: req.uid,
      callId: req.callId,
      units: req.units,
      windowKeys: Object.fromEntries(WINDOWS.map((w) => [w, windowKey(w, req.now)])) as Charged["windowKeys"],
      creditUsed: a.creditUsed,
      status: quotaStatus(next, plan, req.now),
    };
  }

  async commit(r: Charged, outcome: CallOutcome & { result: StoredResult }): Promise<void> {
    this.operations++;
    this.release(r);
    this.records.set(`${r.uid}/${r.callId}`, { status: "ok", outcome: "ok", result: outcome.result, units: r.units });
  }

  async refund(r: Charged, outcome: CallOutcome & { outcome: string }): Promise<void> {
    this.operations++;
    const doc = this.release(r);
    doc.windows = { ...doc.windows, ...refundWindows(doc, r.windowKeys, r.units) };
    if (r.creditUsed) doc.credits = (doc.credits ?? 0) + 1;
    this.records.set(`${r.uid}/${r.callId}`, { status: "refunded", outcome: outcome.outcome, units: r.units });
  }

  async status(uid: string, now: Date): Promise<QuotaStatus> {
    this.operations++;
    const doc = this.docs.get(uid) ?? {};
    return quotaStatus(doc, this.plan(doc, now), now);
  }

  used(uid: string, window: "minute" | "day" | "month" = "day"): number {
    return this.docs.get(uid)?.windows?.[window]?.calls ?? 0;
  }

  private release(r: Charged): QuotaDoc {
    const doc = this.docs.get(r.uid) ?? {};
    const inFlight = { ...doc.inFlight };
    delete inFlight[r.callId];
    doc.inFlight = inFlight;
    this.docs.set(r.uid, doc);
    return doc;
  }

  private plan(doc: QuotaDoc, now: Date) {
    const planId = doc.planId ?? "free";
    const plan = this.plans.get(planId);
    if (!plan) throw new GatewayError("failed-precondition", "plan missing");
    return effectivePlan(planId, plan, doc, now);
  }
}

export class FakeGuard implements GlobalGuard {
  failWith: Error | undefined;
  admittedCount = 0;
  refundedCount = 0;
  async check(): Promise<void> {
    if (this.failWith) throw this.failWith;
  }
  admitted(): void {
    this.admittedCount++;
  }
  refunded(): void {
    this.refundedCount++;
  }
}

export class NoBurstLimit implements BurstLimiter {
  async take(): Promise<void> {}
}

export class FakeInference implements InferenceClient {
  calls: string[][] = [];
  failWith: Error | undefined;

  async infer(inputs: string[]): Promise<UpstreamResponse> {
    this.calls.push(inputs);
    if (this.failWith) throw this.failWith;
    return {
      outputs: inputs.map((text) => ({ label: text.length % 2 ? "positive" : "negative", score: 0.75 })),
      model: "fake",
      model_version: "1",
    };
  }
}

export class FakeClock {
  constructor(private current: Date) {}
  now = (): Date => new Date(this.current);
  set(iso: string): void {
    this.current = new Date(iso);
  }
}
