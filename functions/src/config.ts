/**
 * @module config
 * Everything the gateway is configured with, declared as Firebase params so `firebase deploy` asks
 * for them and the emulator reads them from `functions/.env*` and `functions/.secret.local`.
 */
import { defineInt, defineSecret, defineString } from "firebase-functions/params";

export const inferenceSecret = defineSecret("INFERENCE_SECRET", {
  description: "Shared secret the inference container requires in the X-Inference-Secret header.",
});

export const inferenceUrl = defineString("INFERENCE_URL", {
  description: "Base URL of the inference container, e.g. https://model-xyz.a.run.app",
  default: "http://127.0.0.1:8090",
});

export const inferenceTimeoutMs = defineInt("INFERENCE_TIMEOUT_MS", {
  description: "How long one model call may take before it is abandoned and refunded, in milliseconds.",
  default: 20000,
});

export const defaultPlanId = defineString("DEFAULT_PLAN_ID", {
  description: "Plan (a document in `plans`) for users whose quota document names none.",
  default: "free",
});
