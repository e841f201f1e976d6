/**
 * @module firestoreQuotaStore
 * The `QuotaStore` on Firestore. One transaction reads the user's quota document and plan, checks
 * the rule and charges the call, so concurrent calls from any number of function instances admit
 * exactly as many as the quota allows. Malformed or missing plans fail closed.
 */
import { FieldValue, type Firestore, Timestamp } from "firebase-admin/firestore";
import { GatewayError } from "./errors";
import type { Logger } from "./logger";
import { decideCharge, type QuotaStore, type Reservation, type UsageRecord } from "./quota";
import { planSchema, quotaDocSchema } from "./schema";

export const PLANS = "plans";
export const QUOTAS = "quotas";
export const USAGE = "usage";

export interface FirestoreQuotaStoreOptions {
  defaultPlanId: string;
  logger: Logger;
}

export class FirestoreQuotaStore implements QuotaStore {
  constructor(
    private readonly db: Firestore,
    private readonly options: FirestoreQuotaStoreOptions,
  ) {}

  async reserve(uid: string, callId: string, now: Date): Promise<Reservation> {
    const quotaRef = this.db.collection(QUOTAS).doc(uid);
    const charge = await this.db.runTransaction(async (tx) => {
      const quotaSnap = await tx.get(quotaRef);
      const quota = quotaDocSchema.safeParse(quotaSnap.data() ?? {});
      if (!quota.success) {
        this.options.logger.error("malformed quota document; refusing the call", {
          uid,
          path: quotaRef.path,
        });
        throw new GatewayError("failed-precondition", "Your account's quota settings are invalid; contact support.");
      }
      const planId = quota.data.planId ?? this.options.defaultPlanId;
      const planRef = this.db.collection(PLANS).doc(planId);
      const planSnap = await tx.get(planRef);
      if (!planSnap.exists) {
        this.options.logger.error("plan document missing; refusing the call", { uid, path: planRef.path });
        throw new GatewayError("failed-precondition", "Your plan is not configured; contact support.");
      }
      const plan = planSchema.safeParse(planSnap.data());
      if (!plan.success) {
        this.options.logger.error("malformed plan document; refusing the call", { uid, path: planRef.path });
        throw new GatewayError("failed-precondition", "Your plan is not configured correctly; contact support.");
      }
      const decided = decideCharge(quota.data, planId, plan.data, now);
      tx.set(
        quotaRef,
        { day: decided.day, dailyUsed: decided.used, updatedAt: Timestamp.fromDate(now) },
        { merge: true },
      );
      return decided;
    });
    return { uid, callId, charge };
  }

  async commit(reservation: Reservation, record: UsageRecord): Promise<void> {
    await this.usageRef(reservation).create(toUsageDoc(record));
  }

  async refund(reservation: Reservation, record: UsageRecord): Promise<void> {
    const quotaRef = this.db.collection(QUOTAS).doc(reservation.uid);
    await this.db.runTransaction(async (tx) => {
      const snap = await tx.get(quotaRef);
      const data = snap.data() ?? {};
      // A charge made on an earlier day is gone with that day's counter: nothing to give back.
      if (data.day === reservation.charge.day && typeof data.dailyUsed === "number" && data.dailyUsed > 0) {
        tx.update(quotaRef, { dailyUsed: FieldValue.increment(-1) });
      }
      tx.create(this.usageRef(reservation), toUsageDoc(record));
    });
  }

  private usageRef(reservation: Reservation) {
    return this.db.collection(QUOTAS).doc(reservation.uid).collection(USAGE).doc(reservation.callId);
  }
}

function toUsageDoc(record: UsageRecord): Record<string, unknown> {
  const doc: Record<string, unknown> = { ...record, at: Timestamp.fromDate(record.at) };
  for (const key of Object.keys(doc)) if (doc[key] === undefined) delete doc[key];
  return doc;
}
