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

export function buildInferHandler(): InferHandler {
  if (getApps().length === 0) initializeApp();
  const logger = functionsLoggerAdapter;
  return createInferHandler({
    quota: new FirestoreQuotaStore(getFirestore(), { defaultPlanId: defaultPlanId.value(), logger }),
    inference: new HttpInferenceClient({
      baseUrl: inferenceUrl.value(),
      secret: inferenceSecret.value(),
      timeoutMs: inferenceTimeoutMs.value(),
      logger,
    }),
    logger,
    now: () => new Date(),
    monotonicMs: () => performance.now(),
    newCallId: randomUUID,
  });
}
