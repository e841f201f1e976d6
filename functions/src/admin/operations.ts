/**
 * @module operations
 * What an admin does to the gatekeeping state, as functions over a Firestore handle: used by the
 * admin CLI and by the tests. Every write validates its input first; nothing here bypasses the
 * schemas the gateway reads with.
 */
import { FieldValue, type Firestore } from "firebase-admin/firestore";
import { BUDGET_SHARDS, budgetUsed, GATEWAY_CONFIG } from "../core/firestoreGuard";
import { DAYS, PLANS, QUOTAS, USAGE } from "../core/firestoreQuotaStore";
import { effectivePlan, quotaStatus } from "../core/limits";
import { describeIssues, type GatewayConfig, gatewayConfigSchema, type Plan, planSchema, quotaDocSchema, type QuotaStatus } from "../core/schema";
import { windowKey } from "../core/windows";

export class AdminError extends Error {}

export async function listPlans(db: Firestore): Promise<{ id: string; plan?: Plan; problem?: string }[]> {
  const snap = await db.collection(PLANS).get();
  return snap.docs.map((d) => {
    const parsed = planSchema.safeParse(d.data());
    return parsed.success
      ? { id: d.id, plan: parsed.data }
      : { id: d.id, problem: describeIssues(parsed.error) };
  });
}

export async function setPlan(db: Firestore, uid: string, planId: string): Promise<void> {
  const plan = await db.collection(PLANS).doc(planId).get();
  if (!plan.exists) throw new AdminError(`no plan "${planId}" (plans: ${(await listPlans(db)).map((p) => p.id).join(", ")})`);
  if (!planSchema.safeParse(plan.data()).success) throw new AdminError(`plan "${planId}" is malformed; fix it first`);
  await db.collection(QUOTAS).doc(uid).set({ planId }, { merge: true });
}

export async function grantCredits(db: Firestore, uid: string, credits: number): Promise<number> {
  if (!Number.isInteger(credits) || credits === 0) throw new AdminError("credits must be a non-zero whole number");
  return db.runTransaction(async (tx) => {
    const ref = db.collection(QUOTAS).doc(uid);
    const current = Number((await tx.get(ref)).get("credits") ?? 0);
    const next = current + credits;
    if (next < 0) throw new AdminError(`the user has ${current} credits; cannot take ${-credits}`);
    tx.set(ref, { credits: next }, { merge: true });
    return next;
  });
}

export async function setBanned(db: Firestore, uid: string, banned: boolean): Promise<void> {
  await db.collection(QUOTAS).doc(uid).set({ banned }, { merge: true });
}

export interface UserReport {
  uid: string;
  planId: string;
  banned: boolean;
  status?: QuotaStatus;
  problem?: string;
  days: { day: string; calls: number; units: number; refunded: number }[];
  recent: { callId: string; at: string; units: number; status: string; outcome: string; latencyMs?: number }[];
}

export async function userReport(db: Firestore, uid: string, defaultPlanId: string, now = new Date()): Promise<UserReport> {
  const ref = db.collection(QUOTAS).doc(uid);
  const [snap, days, recent] = await Promise.all([
    ref.get(),
    ref.collection(DAYS).orderBy("day", "desc").limit(7).get(),
    ref.collection(USAGE).orderBy("at", "desc").limit(10).get(),
  ]);
  const doc = quotaDocSchema.safeParse(snap.data() ?? {});
  const planId = (doc.success ? doc.data.planId : undefined) ?? defaultPlanId;
  const report: UserReport = {
    uid,
    planId,
    banned: doc.success && doc.data.banned === true,
    days: days.docs.map((d) => ({
      day: d.id,
      calls: Number(d.get("calls") ?? 0),
      units: Number(d.get("units") ?? 0),
      refunded: Number(d.get("refunded") ?? 0),
    })),
    recent: recent.docs.map((d) => ({
      callId: d.id,
      at: d.get("at")?.toDate?.().toISOString() ?? "",
      units: Number(d.get("units") ?? 0),
      status: String(d.get("status") ?? ""),
      outcome: String(d.get("outcome") ?? ""),
      latencyMs: d.get("latencyMs"),
    })),
  };
  if (!doc.success) return { ...report, problem: "quota document is malformed" };
  const plan = planSchema.safeParse((await db.collection(PLANS).doc(planId).get()).data());
  if (!plan.success) return { ...report, problem: `plan "${planId}" is missing or malformed` };
  return { ...report, status: quotaStatus(doc.data, effectivePlan(planId, plan.data, doc.data, now), now) };
}

export async function readConfig(db: Firestore): Promise<GatewayConfig> {
  const parsed = gatewayConfigSchema.safeParse((await db.doc(GATEWAY_CONFIG).get()).data() ?? {});
  if (!parsed.success) throw new AdminError("gateway/config is malformed; the gateway refuses calls until it is fixed");
  return parsed.data;
}

export async function setKillSwitch(db: Firestore, on: boolean, message?: string): Promise<void> {
  await db.doc(GATEWAY_CONFIG).set(
    { killSwitch: on, killSwitchMessage: message ?? FieldValue.delete() },
    { merge: true },
  );
}

export async function setDailyBudget(db: Firestore, calls: number): Promise<void> {
  if (!Number.isInteger(calls) || calls < 0) throw new AdminError("the budget must be a whole number of calls, 0 or more");
  await db.doc(GATEWAY_CONFIG).set({ dailyBudgetCalls: calls }, { merge: true });
}

export async function budgetToday(db: Firestore, now = new Date()): Promise<{ day: string; used: number }> {
  const day = windowKey("day", now);
  return { day, used: await budgetUsed(db, day) };
}

/** Sets today's budget count back to zero by deleting its shards. */
export async function resetBudget(db: Firestore, now = new Date()): Promise<number> {
  const day = windowKey("day", now);
  const shards = await db.doc(GATEWAY_CONFIG).collection(BUDGET_SHARDS).where("day", "==", day).get();
  const batch = db.batch();
  shards.docs.forEach((d) => batch.delete(d.ref));
  await batch.commit();
  return shards.size;
}
