/**
 * The gateway core wired as in production (Firestore store and guard, the HTTP inference client,
 * the burst limiter) against a given Firestore, with a programmable stub in place of the model,
 * plus the counting helpers the adversarial suites share.
 */
import type { Firestore } from "firebase-admin/firestore";
import { type BurstLimiter, MemoryBurstLimiter } from "../../src/core/burst";
import { GatewayError } from "../../src/core/errors";
import { FirestoreGuard } from "../../src/core/firestoreGuard";
import { FirestoreQuotaStore } from "../../src/core/firestoreQuotaStore";
import { createGetQuotaHandler, createInferHandler } from "../../src/core/infer";
import { MemoryLogger } from "../../src/core/logger";
import { HttpInferenceClient, type RetryOptions } from "../../src/core/upstream";

export const TEST_SECRET = "adversarial-secret-0123456789abcdef";

export interface CoreOptions {
  inferenceUrl: string;
  burst?: BurstLimiter;
  timeoutMs?: number;
  deadlineMs?: number;
  retry?: RetryOptions;
  storeDeadlineMs?: number;
  cacheMs?: number;
  maxResponseBytes?: number;
}

export function buildCore(db: Firestore, options: CoreOptions) {
  const logger = new MemoryLogger();
  const cacheMs = options.cacheMs ?? 0;
  const deps = {
    quota: new FirestoreQuotaStore(db, { defaultPlanId: "free", logger, planCacheMs: cacheMs, slotTtlMs: 70_000, budgetShards: 4, nowMs: Date.now }),
    guard: new FirestoreGuard(db, { defaultDailyBudget: 1_000_000, refreshMs: cacheMs, nowMs: Date.now, logger }),
    burst: options.burst ?? new MemoryBurstLimiter(1_000_000, 60),
    inference: new HttpInferenceClient({
      baseUrl: options.inferenceUrl,
      secret: TEST_SECRET,
      timeoutMs: options.timeoutMs ?? 2_000,
      deadlineMs: options.deadlineMs,
      retry: options.retry,
      maxResponseBytes: options.maxResponseBytes,
      logger,
    }),
    logger,
    now: () => new Date(),
    monotonicMs: () => performance.now(),
    newCallId: () => `c-${Math.random().toString(36).slice(2)}-${Date.now().toString(36)}`,
    storeDeadlineMs: options.storeDeadlineMs,
  };
  return { infer: createInferHandler(deps), getQuota: createGetQuotaHandler(deps), logger };
}

/** Outcome of each settled call, e.g. { ok: 3, "unavailable:upstream_unavailable": 2 }. */
export async function outcomes(promises: Promise<unknown>[]): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const r of await Promise.allSettled(promises)) {
    const key = r.status === "fulfilled" ? "ok" : codeOf(r.reason);
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

export function codeOf(err: unknown): string {
  if (err instanceof GatewayError) return `${err.code}:${err.details?.reason ?? ""}`;
  return `not a GatewayError: ${err instanceof Error ? err.name : typeof err}`;
}

/** The user's quota document, usage records by status, and day rollups, as the gateway left them. */
export async function ledger(db: Firestore, uid: string) {
  const quota = (await db.doc(`quotas/${uid}`).get()).data() ?? {};
  const usage = await db.collection(`quotas/${uid}/usage`).get();
  const byStatus: Record<string, number> = {};
  const byOutcome: Record<string, number> = {};
  for (const d of usage.docs) {
    byStatus[d.get("status")] = (byStatus[d.get("status")] ?? 0) + 1;
    byOutcome[d.get("outcome")] = (byOutcome[d.get("outcome")] ?? 0) + 1;
  }
  const days = await db.collection(`quotas/${uid}/days`).get();
  const rollup = days.docs.reduce(
    (sum, d) => ({ calls: sum.calls + (d.get("calls") ?? 0), refunded: sum.refunded + (d.get("refunded") ?? 0) }),
    { calls: 0, refunded: 0 },
  );
  return {
    dayCalls: (quota.windows?.day?.calls as number | undefined) ?? 0,
    inFlight: Object.keys(quota.inFlight ?? {}).length,
    records: usage.size,
    byStatus,
    byOutcome,
    rollup,
  };
}

/** Polls `check` until it returns true, at most `ms`; no fixed sleeps. */
export async function eventually(check: () => Promise<boolean>, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
