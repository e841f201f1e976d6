/**
 * @module deps
 * Wires the real dependencies (Firestore, the burst limiter, the HTTP inference client, clocks,
 * ids) into the core once per instance, reading params at run time.
 */
import { randomUUID } from "node:crypto";
import { getApps, initializeApp } from "firebase-admin/app";
import { getFirestore } from "firebase-admin/firestore";
import { functionsLoggerAdapter } from "./callable";
import * as params from "./config";
import { MemoryBurstLimiter } from "./core/burst";
import { FirestoreGuard } from "./core/firestoreGuard";
import { FirestoreQuotaStore } from "./core/firestoreQuotaStore";
import { createGetQuotaHandler, createInferHandler, type GetQuotaHandler, type InferHandler } from "./core/infer";
import { HttpInferenceClient } from "./core/upstream";

/** A param's value, or a loud configuration error naming the param (never its value). */
function required<T extends string | number>(name: string, value: T, min = 1): T {
  const ok = typeof value === "number" ? Number.isFinite(value) && value >= min : value !== "";
  if (!ok) {
    functionsLoggerAdapter.error("gateway misconfigured: a required param has no usable value", { param: name });
    throw new Error(`gateway misconfigured: ${name}`);
  }
  return value;
}

export interface Gateway {
  infer: InferHandler;
  getQuota: GetQuotaHandler;
}

export function buildGateway(): Gateway {
  if (getApps().length === 0) initializeApp();
  const db = getFirestore();
  const logger = functionsLoggerAdapter;
  const nowMs = () => Date.now();
  const cacheMs = required("CONFIG_CACHE_SECONDS", params.configCacheSeconds.value(), 0) * 1000;
  const functionTimeoutMs = params.FUNCTION_TIMEOUT_SECONDS * 1000;
  const deps = {
    quota: new FirestoreQuotaStore(db, {
      defaultPlanId: required("DEFAULT_PLAN_ID", params.defaultPlanId.value()),
      logger,
      planCacheMs: cacheMs,
      slotTtlMs: functionTimeoutMs + 10_000,
      budgetShards: required("BUDGET_SHARDS", params.budgetShards.value()),
      nowMs,
    }),
    guard: new FirestoreGuard(db, {
      defaultDailyBudget: required("GLOBAL_DAILY_BUDGET", params.globalDailyBudget.value()),
      refreshMs: cacheMs,
      nowMs,
      logger,
    }),
    burst: new MemoryBurstLimiter(
      required("BURST_CALLS", params.burstCalls.value()),
      required("BURST_WINDOW_SECONDS", params.burstWindowSeconds.value()),
    ),
    inference: new HttpInferenceClient({
      baseUrl: required("INFERENCE_URL", params.inferenceUrl.value()),
      secret: required("INFERENCE_SECRET", params.inferenceSecret.value()),
      // The model call must end (and be refunded) before the function itself is killed.
      timeoutMs: Math.min(required("INFERENCE_TIMEOUT_MS", params.inferenceTimeoutMs.value()), functionTimeoutMs - 5_000),
      logger,
    }),
    logger,
    now: () => new Date(),
    monotonicMs: () => performance.now(),
    newCallId: randomUUID,
  };
  return { infer: createInferHandler(deps), getQuota: createGetQuotaHandler(deps) };
}
