/**
 * In-memory stand-ins for the core's I/O, for unit tests only. The quota fake applies the same
 * `decideCharge` rule as the Firestore store; the Firestore store itself is tested on the emulator.
 */
import { GatewayError } from "../../src/core/errors";
import { decideCharge, type QuotaStore, type Reservation, type UsageRecord } from "../../src/core/quota";
import type { Plan, QuotaDoc, UpstreamResponse } from "../../src/core/schema";
import type { InferenceClient } from "../../src/core/upstream";

export class FakeQuotaStore implements QuotaStore {
  readonly plans = new Map<string, Plan>([["free", { dailyCalls: 3, modelAccess: true }]]);
  readonly docs = new Map<string, QuotaDoc>();
  readonly records: UsageRecord[] = [];
  reserveCalls = 0;
  failReserveWith: Error | undefined;

  async reserve(uid: string, callId: string, now: Date): Promise<Reservation> {
    this.reserveCalls++;
    if (this.failReserveWith) throw this.failReserveWith;
    const doc = this.docs.get(uid) ?? {};
    const planId = doc.planId ?? "free";
    const plan = this.plans.get(planId);
    if (!plan) throw new GatewayError("failed-precondition", "plan missing");
    const charge = decideCharge(doc, planId, plan, now);
    this.docs.set(uid, { ...doc, day: charge.day, dailyUsed: charge.used });
    return { uid, callId, charge };
  }

  async commit(_reservation: Reservation, record: UsageRecord): Promise<void> {
    this.records.push(record);
  }

  async refund(reservation: Reservation, record: UsageRecord): Promise<void> {
    const doc = this.docs.get(reservation.uid);
    if (doc && doc.day === reservation.charge.day && (doc.dailyUsed ?? 0) > 0) {
      doc.dailyUsed = (doc.dailyUsed ?? 0) - 1;
    }
    this.records.push(record);
  }

  used(uid: string): number {
    return this.docs.get(uid)?.dailyUsed ?? 0;
  }
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
