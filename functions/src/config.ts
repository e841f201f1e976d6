/**
 * @module config
 * Everything the gateway is configured with, declared as Firebase params so `firebase deploy` asks
 * for them and the emulator reads them from `functions/.env*` and `functions/.secret.local`.
 * Plans, per-user settings, the kill switch and the budget's size live in Firestore instead, where
 * admins change them without a deploy.
 */
import { defineBoolean, defineInt, defineSecret, defineString } from "firebase-functions/params";

/** The `infer` function's own timeout; a model call and an in-flight slot never outlive it. */
export const FUNCTION_TIMEOUT_SECONDS = 60;

export const inferenceSecret = defineSecret("INFERENCE_SECRET", {
  description: "Shared secret the inference container requires in the X-Inference-Secret header.",
});

export const inferenceUrl = defineString("INFERENCE_URL", {
  description: "Base URL of the inference container, e.g. https://model-xyz.a.run.app",
  default: "http://127.0.0.1:8090",
});

export const inferenceTimeoutMs = defineInt("INFERENCE_TIMEOUT_MS", {
  description: "How long one model call may take before it is abandoned and refunded, in milliseconds (capped below the function timeout).",
  default: 20000,
});

export const inferenceDeadlineMs = defineInt("INFERENCE_DEADLINE_MS", {
  description: "Total budget of one model call, retries after 503/429 included, in ms (capped below the function timeout).",
  default: 20000,
});

export const inferenceRetryAttempts = defineInt("INFERENCE_RETRY_ATTEMPTS", {
  description: "Attempts per model call when the container answers 503/429 (the first included).",
  default: 3,
});

export const inferenceSignRequests = defineBoolean("INFERENCE_SIGN_REQUESTS", {
  description: "Sign each request with HMAC instead of sending the secret (container: INFERENCE_SIGNING=optional|required).",
  default: false,
});

export const inferenceUseIdToken = defineBoolean("INFERENCE_USE_ID_TOKEN", {
  description: "Also send a Google-signed ID token (audience: the INFERENCE_URL origin) for Cloud Run IAM.",
  default: false,
});

export const defaultPlanId = defineString("DEFAULT_PLAN_ID", {
  description: "Plan (a document in `plans`) for users whose quota document names none.",
  default: "free",
});

export const burstCalls = defineInt("BURST_CALLS", {
  description: "Burst limiter: calls one user may make per BURST_WINDOW_SECONDS on one instance before Firestore is consulted.",
  default: 10,
});

export const burstWindowSeconds = defineInt("BURST_WINDOW_SECONDS", {
  description: "Burst limiter window, in seconds.",
  default: 10,
});

export const globalDailyBudget = defineInt("GLOBAL_DAILY_BUDGET", {
  description: "Calls per UTC day across all users, unless gateway/config sets dailyBudgetCalls.",
  default: 10000,
});

export const budgetShards = defineInt("BUDGET_SHARDS", {
  description: "Shard documents the global budget counter is spread over.",
  default: 10,
});

export const configCacheSeconds = defineInt("CONFIG_CACHE_SECONDS", {
  description: "How long an instance reuses plans, gateway/config (the kill switch) and the budget's sum.",
  default: 10,
});

export const enforceAppCheck = defineBoolean("ENFORCE_APP_CHECK", {
  description: "Refuse callable requests without a valid App Check token.",
  default: false,
});

export const consumeAppCheckToken = defineBoolean("CONSUME_APP_CHECK_TOKEN", {
  description: "Replay protection: an App Check token may be used for one infer call only (clients must request limited-use tokens).",
  default: false,
});

/**
 * Gives every param above its declared default in process.env, as `firebase deploy` and the
 * emulator do. For running the gateway outside Cloud Functions (src/server.ts) and in tests.
 */
export function applyParamDefaults(): void {
  const params = [inferenceUrl, inferenceTimeoutMs, inferenceDeadlineMs, inferenceRetryAttempts, inferenceSignRequests,
    inferenceUseIdToken, defaultPlanId, burstCalls, burstWindowSeconds, globalDailyBudget,
    budgetShards, configCacheSeconds, enforceAppCheck, consumeAppCheckToken];
  for (const param of params) {
    const fallback = (param as unknown as { options?: { default?: unknown } }).options?.default;
    if (fallback !== undefined && process.env[param.name] === undefined) process.env[param.name] = String(fallback);
  }
}
