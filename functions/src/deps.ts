/**
 * @module deps
 * Wires the real dependencies (Firestore, the HTTP inference client, clocks, ids) into the core,
 * reading params at run time.
 */
import { randomUUID } from "node:crypto";
import { getApps, initializeApp } from "firebase-admin/app";
import { getFirestore } from "firebase-admin/firestore";
import { functionsLoggerAdapter } from "./callable";
import { defaultPlanId, inferenceSecret, inferenceTimeoutMs, inferenceUrl } from "./config";
import { FirestoreQuotaStore } from "./core/firestoreQuotaStore";
import { createInferHandler, type InferHandler } from "./core/infer";
import { HttpInferenceClient } from "./core/upstream";

/** A param's value, or a loud configuration error naming the param (never its value). */
function required<T extends string | number>(name: string, value: T): T {
  const ok = typeof value === "number" ? Number.isFinite(value) && value > 0 : value !== "";
  if (!ok) {
    functionsLoggerAdapter.error("gateway misconfigured: a required param has no usable value", { param: name });
    throw new Error(`gateway misconfigured: ${name}`);
  }
  return value;
}

export function buildInferHandler(): InferHandler {
  if (getApps().length === 0) initializeApp();
  const logger = functionsLoggerAdapter;
  return createInferHandler({
    quota: new FirestoreQuotaStore(getFirestore(), {
      defaultPlanId: required("DEFAULT_PLAN_ID", defaultPlanId.value()),
      logger,
    }),
    inference: new HttpInferenceClient({
      baseUrl: required("INFERENCE_URL", inferenceUrl.value()),
      secret: required("INFERENCE_SECRET", inferenceSecret.value()),
      timeoutMs: required("INFERENCE_TIMEOUT_MS", inferenceTimeoutMs.value()),
      logger,
    }),
    logger,
    now: () => new Date(),
    monotonicMs: () => performance.now(),
    newCallId: randomUUID,
  });
}
