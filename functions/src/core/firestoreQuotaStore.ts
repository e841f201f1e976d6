/**
 * @module firestoreQuotaStore
 * The `QuotaStore` on Firestore. An admitted call costs one transaction (read the user's quota
 * document, and the usage record when the client sent a requestId; write the counters and slot,
 * a pending usage record and a budget shard) and one batched write when it ends (the record's
 * outcome, the slot released, the day's rollup). Plans come from a short per-instance cache.
 * A user's operations are serialized within an instance (see `serial.ts`); instances meet in the
 * transaction, so N concurrent calls against Q remaining admit exactly min(N, Q) everywhere.
 */
import { FieldPath, FieldValue, type Firestore, Timestamp } from "firebase-admin/firestore";
import { TtlCache } from "./cache";
import { GatewayError } from "./errors";
import { admit, effectivePlan, type EffectivePlan, liveSlots, quotaStatus, refundWindows } from "./limits";
import type { Logger } from "./logger";
import { budgetShardRef } from "./firestoreGuard";
import { describeIssues, type Plan, planSchema, type QuotaDoc, type QuotaStatus, quotaDocSchema, type StoredResultDoc, storedResultSchema } from "./schema";
import { KeyedSerial } from "./serial";
import type { CallOutcome, Charged, QuotaStore, Reservation, ReserveRequest, StoredResult } from "./store";
import { windowKey, WINDOWS } from "./windows";

export const PLANS = "plans";
export const QUOTAS = "quotas";
export const USAGE = "usage";
export const DAYS = "days";

export interface FirestoreQuotaStoreOptions {
  defaultPlanId: string;
  logger: Logger;
  /** How long a plan read from Firestore is reused by this instance. */
  planCacheMs: number;
  /** How long an in-flight slot lives if its call never ends (the function's timeout, plus margin). */
  slotTtlMs: number;
  budgetShards: number;
  nowMs: () => number;
  random?: () => number;
}

export class FirestoreQuotaStore implements QuotaStore {
  private readonly plans: TtlCache<Plan>;
  private readonly serial = new KeyedSerial();
  private readonly random: () => number;

  constructor(
    private readonly db: Firestore,
    private readonly options: FirestoreQuotaStoreOptions,
  ) {
    this.plans = new TtlCache(options.planCacheMs, options.nowMs);
    this.random = options.random ?? Math.random;
  }

  reserve(request: ReserveRequest): Promise<Reservation> {
    return this.serial.run(request.uid, () => this.reserveNow(request));
  }

  commit(reservation: Charged, outcome: CallOutcome & { result: StoredResult }): Promise<void> {
    return this.serial.run(reservation.uid, async () => {
      const batch = this.db.batch();
      // A FieldPath, not a dotted string: the call id is data and must never be parsed as a path.
      batch.update(
        this.quotaRef(reservation.uid),
        new FieldPath("inFlight", reservation.callId),
        FieldValue.delete(),
        "updatedAt",
        Timestamp.fromDate(outcome.now),
      );
      batch.update(this.usageRef(reservation.uid, reservation.callId), {
        status: "ok",
        outcome: "ok",
        latencyMs: Math.round(outcome.latencyMs),
        model: outcome.result.model,
        modelVersion: outcome.result.modelVersion,
        result: {
          outputs: outcome.result.outputs,
          model: outcome.result.model,
          modelVersion: outcome.result.modelVersion,
          units: outcome.result.units,
        } satisfies StoredResultDoc,
      });
      batch.set(
        this.dayRef(reservation),
        { day: reservation.windowKeys.day, calls: FieldValue.increment(1), units: FieldValue.increment(reservation.units) },
        { merge: true },
      );
      await batch.commit();
    });
  }

  refund(reservation: Charged, outcome: CallOutcome & { outcome: string }): Promise<void> {
    return this.serial.run(reservation.uid, () =>
      this.db.runTransaction(async (tx) => {
        const quotaRef = this.quotaRef(reservation.uid);
        const doc = parseQuotaDoc((await tx.get(quotaRef)).data());
        const rest: unknown[] = ["updatedAt", Timestamp.fromDate(outcome.now)];
        for (const [w, counter] of Object.entries(refundWindows(doc ?? {}, reservation.windowKeys, reservation.units))) {
          rest.push(new FieldPath("windows", w), counter);
        }
        if (reservation.creditUsed) rest.push("credits", FieldValue.increment(1));
        tx.update(quotaRef, new FieldPath("inFlight", reservation.callId), FieldValue.delete(), ...rest);
        tx.update(this.usageRef(reservation.uid, reservation.callId), {
          status: "refunded",
          outcome: outcome.outcome,
          latencyMs: Math.round(outcome.latencyMs),
        });
        tx.set(this.dayRef(reservation), { day: reservation.windowKeys.day, refunded: FieldValue.increment(1) }, { merge: true });
        const day = reservation.windowKeys.day;
        tx.set(budgetShardRef(this.db, day, this.shard()), { day, calls: FieldValue.increment(-1) }, { merge: true });
      }),
    );
  }

  async status(uid: string, now: Date): Promise<QuotaStatus> {
    const doc = parseQuotaDoc((await this.quotaRef(uid).get()).data(), uid, this.options.logger) ?? {};
    return quotaStatus(doc, await this.planFor(doc, uid, now), now);
  }

  private async reserveNow(request: ReserveRequest): Promise<Reservation> {
    const { uid, callId, units, now } = request;
    const quotaRef = this.quotaRef(uid);
    const usageRef = this.usageRef(uid, callId);
    return this.db.runTransaction(async (tx) => {
      const [quotaSnap, usageSnap] = request.idempotent
        ? await tx.getAll(quotaRef, usageRef)
        : [await tx.get(quotaRef), undefined];
      const doc = parseQuotaDoc(quotaSnap?.data(), uid, this.options.logger) ?? {};
      // Plans come from the per-instance cache (a plain read on a miss), not through the
      // transaction: they change rarely, and the transaction's read set stays the user's own.
      const plan = await this.planFor(doc, uid, now);
      // The caller gave up waiting (see `storeDeadlineMs`): throwing here rolls the transaction back.
      if (request.signal?.aborted) throw new Error("reservation abandoned");

      if (usageSnap?.exists) {
        const earlier = usageSnap.data() ?? {};
        if (earlier.status === "ok") {
          const stored = storedResultSchema.safeParse(earlier.result);
          if (stored.success) return { kind: "replay", uid, callId, result: stored.data, status: quotaStatus(doc, plan, now) };
        }
        if (earlier.status === "pending" && liveSlots(doc, now)[callId]) {
          throw new GatewayError("aborted", "A call with this requestId is still running; retry when it has finished.", {
            reason: "in-progress",
            retryAfterSeconds: 1,
          });
        }
        // Refunded, or abandoned by a crashed instance: this attempt is charged like a new call.
      }

      const admission = admit(doc, plan, units, callId, now, this.options.slotTtlMs);
      tx.set(
        quotaRef,
        {
          windows: admission.windows,
          inFlight: Object.fromEntries(Object.entries(admission.inFlight).map(([id, at]) => [id, Timestamp.fromDate(at)])),
          credits: admission.credits,
          updatedAt: Timestamp.fromDate(now),
        },
        { mergeFields: ["windows", "inFlight", "credits", "updatedAt"] },
      );
      tx.set(usageRef, {
        uid,
        callId,
        at: Timestamp.fromDate(now),
        day: admission.windows.day.key,
        units,
        inputs: request.inputs,
        planId: plan.planId,
        creditUsed: admission.creditUsed,
        status: "pending",
        outcome: "pending",
      });
      tx.set(budgetShardRef(this.db, admission.windows.day.key, this.shard()), { day: admission.windows.day.key, calls: FieldValue.increment(1) }, { merge: true });

      const after: QuotaDoc = {
        ...doc,
        windows: admission.windows,
        credits: admission.credits,
        inFlight: Object.fromEntries(Object.entries(admission.inFlight).map(([id, at]) => [id, Timestamp.fromDate(at)])),
      };
      const charged: Charged = {
        kind: "charged",
        uid,
        callId,
        units,
        windowKeys: Object.fromEntries(WINDOWS.map((w) => [w, windowKey(w, now)])) as Charged["windowKeys"],
        creditUsed: admission.creditUsed,
        status: quotaStatus(after, plan, now),
      };
      return charged;
    });
  }

  /** The user's effective plan; a missing or malformed plan refuses the call (fails closed). */
  private async planFor(doc: QuotaDoc, uid: string, now: Date): Promise<EffectivePlan> {
    const planId = doc.planId ?? this.options.defaultPlanId;
    const plan = await this.plans.get(planId, async () => {
      const snap = await this.db.collection(PLANS).doc(planId).get();
      if (!snap.exists) {
        this.options.logger.error("plan document missing; refusing calls on it", { uid, path: snap.ref.path });
        throw new GatewayError("failed-precondition", "Your plan is not configured; contact support.", { reason: "plan" });
      }
      const parsed = planSchema.safeParse(snap.data());
      if (!parsed.success) {
        this.options.logger.error("malformed plan document; refusing calls on it", {
          uid,
          path: snap.ref.path,
          problem: describeIssues(parsed.error),
        });
        throw new GatewayError("failed-precondition", "Your plan is not configured correctly; contact support.", { reason: "plan" });
      }
      return parsed.data;
    });
    return effectivePlan(planId, plan, doc, now);
  }

  private shard(): number {
    return Math.floor(this.random() * this.options.budgetShards);
  }

  private quotaRef(uid: string) {
    return this.db.collection(QUOTAS).doc(uid);
  }

  private usageRef(uid: string, callId: string) {
    return this.quotaRef(uid).collection(USAGE).doc(callId);
  }

  private dayRef(reservation: Charged) {
    return this.quotaRef(reservation.uid).collection(DAYS).doc(reservation.windowKeys.day);
  }
}

/** Parses a quota document; a malformed one refuses the call rather than being read as empty. */
function parseQuotaDoc(data: unknown, uid?: string, logger?: Logger): QuotaDoc | undefined {
  if (data === undefined) return undefined;
  const parsed = quotaDocSchema.safeParse(data);
  if (!parsed.success) {
    logger?.error("malformed quota document; refusing the call", {
      uid,
      problem: describeIssues(parsed.error),
    });
    throw new GatewayError("failed-precondition", "Your account's quota settings are invalid; contact support.", {
      reason: "account",
    });
  }
  return parsed.data;
}
