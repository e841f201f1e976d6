/**
 * @module schema
 * The shapes that cross a boundary, as zod schemas: the callables' payloads and responses, the
 * inference server's response, and the documents admins edit in the Firestore console (plans,
 * per-user settings, the gateway's global config). Anything that does not parse is refused.
 */
import { z } from "zod";
import type { WindowName } from "./windows";

/** Limits on what one call may send. The inference server accepts more; the gateway is the binding limit. */
export const MAX_INPUTS = 16;
export const MAX_INPUT_CHARS = 2000;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export const inferRequestSchema = z.strictObject({
  inputs: z
    .array(
      z
        .string()
        .min(1, "must not be empty")
        .max(MAX_INPUT_CHARS, `must be at most ${MAX_INPUT_CHARS} characters`)
        // The model server cannot decode a lone surrogate (it answers 422): refuse it here, for free.
        .refine((text) => !LONE_SURROGATE.test(text), "must be valid Unicode (it holds a lone surrogate)"),
    )
    .min(1, "must hold at least one text")
    .max(MAX_INPUTS, `must hold at most ${MAX_INPUTS} texts`),
  /**
   * Optional idempotency key chosen by the client, the same for every retry of one logical call:
   * a retried call is charged once, and a call that already succeeded answers with its stored result.
   */
  requestId: z
    .string()
    .regex(/^[A-Za-z0-9_-]{8,64}$/, "must be 8 to 64 characters of A-Z, a-z, 0-9, _ or -")
    .optional(),
});
export type InferRequest = z.infer<typeof inferRequestSchema>;

export const emptyRequestSchema = z.union([z.strictObject({}), z.null(), z.undefined()]);

export const predictionSchema = z.object({
  label: z.string(),
  score: z.number().min(0).max(1),
});
export type Prediction = z.infer<typeof predictionSchema>;

/** A successful call's answer, kept in its usage record so a retry with the same requestId can replay it. */
export const storedResultSchema = z.object({
  outputs: z.array(predictionSchema),
  model: z.string(),
  modelVersion: z.string(),
  units: z.number().int().min(0),
});
export type StoredResultDoc = z.infer<typeof storedResultSchema>;

/** What the inference container answers to `POST /v1/infer`. */
export const upstreamResponseSchema = z.object({
  outputs: z.array(predictionSchema),
  model: z.string(),
  model_version: z.string(),
});
export type UpstreamResponse = z.infer<typeof upstreamResponseSchema>;

const count = z.number().int().min(0);

/** A window's limits; an absent field means that measure is not limited in that window. */
export const windowLimitSchema = z.strictObject({ calls: count.optional(), units: count.optional() });
export type WindowLimit = z.infer<typeof windowLimitSchema>;

export const windowLimitsSchema = z.strictObject({
  minute: windowLimitSchema.optional(),
  day: windowLimitSchema.optional(),
  month: windowLimitSchema.optional(),
});
export type WindowLimits = z.infer<typeof windowLimitsSchema>;

/**
 * `plans/{planId}`, edited by admins. A plan must limit the day or the month window: a plan that
 * would be unlimited is treated as malformed and refuses calls.
 */
export const planSchema = z
  .strictObject({
    displayName: z.string().optional(),
    modelAccess: z.boolean().default(true),
    maxInFlight: z.number().int().min(1).default(2),
    limits: windowLimitsSchema,
  })
  .refine((p) => hasLimit(p.limits.day) || hasLimit(p.limits.month), {
    message: "a plan must limit calls or units per day or per month",
  });
export type Plan = z.infer<typeof planSchema>;

function hasLimit(limit: WindowLimit | undefined): boolean {
  return limit?.calls !== undefined || limit?.units !== undefined;
}

const timestampLike = z.custom<{ toDate(): Date }>(
  (v) => typeof v === "object" && v !== null && typeof (v as { toDate?: unknown }).toDate === "function",
  "must be a timestamp",
);

const windowCounterSchema = z.object({ key: z.string(), calls: count, units: count });
export type WindowCounter = z.infer<typeof windowCounterSchema>;

/**
 * `quotas/{uid}`: the admin's settings for one user (`planId`, `banned`, `credits`, `override`)
 * and the gateway's counters (`windows`, `inFlight`), in one document so one read sees everything.
 */
export const quotaDocSchema = z.object({
  planId: z.string().min(1).optional(),
  banned: z.boolean().optional(),
  /** Extra calls, spent one per call only when a day or month limit is reached. */
  credits: count.optional(),
  /** Replaces the plan's limits for this user until `expiresAt` (forever when absent). */
  override: z
    .strictObject({
      limits: windowLimitsSchema.optional(),
      maxInFlight: z.number().int().min(1).optional(),
      modelAccess: z.boolean().optional(),
      expiresAt: timestampLike.optional(),
    })
    .optional(),
  windows: z.record(z.string(), windowCounterSchema).optional(),
  /** callId -> when the slot expires if the call never finishes (a crashed instance). */
  inFlight: z.record(z.string(), timestampLike).optional(),
});
export type QuotaDoc = z.infer<typeof quotaDocSchema>;

/** `gateway/config`: the switches that protect the bill as a whole. */
export const gatewayConfigSchema = z.object({
  killSwitch: z.boolean().default(false),
  killSwitchMessage: z.string().max(500).optional(),
  /** Calls per UTC day across all users; the `GLOBAL_DAILY_BUDGET` param when absent. */
  dailyBudgetCalls: count.optional(),
});
export type GatewayConfig = z.infer<typeof gatewayConfigSchema>;

export interface WindowStatus {
  window: WindowName;
  calls: { used: number; limit: number | null };
  units: { used: number; limit: number | null };
  /** ISO-8601 instant at which this window's counters start again from zero. */
  resetsAt: string;
}

export interface QuotaStatus {
  planId: string;
  /** Calls left before some limit refuses the next one (credits included); null when none limits calls. */
  remaining: number | null;
  credits: number;
  inFlight: number;
  maxInFlight: number;
  windows: WindowStatus[];
}

export interface InferResponse {
  outputs: Prediction[];
  model: string;
  modelVersion: string;
  /** Units this call cost. */
  units: number;
  /** True when this answer is the stored result of an earlier call with the same requestId. */
  replayed: boolean;
  quota: QuotaStatus;
}

/** Turns zod issues into one line a developer can act on, e.g. `inputs[2]: must not be empty`. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => {
      const path = issue.path
        .map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`))
        .join("");
      return path ? `${path}: ${issue.message}` : issue.message;
    })
    .join("; ");
}
