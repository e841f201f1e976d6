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
import { googleIdTokenProvider, HttpInferenceClient } from "./core/upstream";

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
  const inferenceUrl = required("INFERENCE_URL", params.inferenceUrl.value());
  const deadlineMs = Math.min(required("INFERENCE_DEADLINE_MS", params.inferenceDeadlineMs.value()), functionTimeoutMs - 5_000);
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
      baseUrl: inferenceUrl,
      secret: required("INFERENCE_SECRET", params.inferenceSecret.value()),
      // One attempt, and all retries together, end (and are refunded) before the function is killed.
      timeoutMs: Math.min(required("INFERENCE_TIMEOUT_MS", params.inferenceTimeoutMs.value()), deadlineMs),
      deadlineMs,
      retry: { maxAttempts: required("INFERENCE_RETRY_ATTEMPTS", params.inferenceRetryAttempts.value()) },
      sign: params.inferenceSignRequests.value(),
      idTokens: params.inferenceUseIdToken.value() ? googleIdTokenProvider(new URL(inferenceUrl).origin) : undefined,
      logger,
    }),
    logger,
    now: () => new Date(),
    monotonicMs: () => performance.now(),
    newCallId: randomUUID,
  };
  return { infer: createInferHandler(deps), getQuota: createGetQuotaHandler(deps) };
}
