/**
 * @module schema
 * The shapes that cross a boundary, as zod schemas: the callable's payload and response, the
 * inference server's response, and the plan documents admins edit in the Firestore console.
 */
import { z } from "zod";

/** Limits on what one call may send. The inference server accepts more; the gateway is the binding limit. */
export const MAX_INPUTS = 16;
export const MAX_INPUT_CHARS = 2000;

export const inferRequestSchema = z.strictObject({
  inputs: z
    .array(
      z
        .string()
        .min(1, "must not be empty")
        .max(MAX_INPUT_CHARS, `must be at most ${MAX_INPUT_CHARS} characters`),
    )
    .min(1, "must hold at least one text")
    .max(MAX_INPUTS, `must hold at most ${MAX_INPUTS} texts`),
});
export type InferRequest = z.infer<typeof inferRequestSchema>;

export const predictionSchema = z.object({
  label: z.string(),
  score: z.number().min(0).max(1),
});
export type Prediction = z.infer<typeof predictionSchema>;

/** What the inference container answers to `POST /v1/infer`. */
export const upstreamResponseSchema = z.object({
  outputs: z.array(predictionSchema),
  model: z.string(),
  model_version: z.string(),
});
export type UpstreamResponse = z.infer<typeof upstreamResponseSchema>;

/**
 * `plans/{planId}`. `dailyCalls` is the number of calls a user on this plan may make per UTC day;
 * `modelAccess: false` keeps the plan's users away from the model altogether.
 */
export const planSchema = z.object({
  dailyCalls: z.number().int().min(0),
  modelAccess: z.boolean().default(true),
  displayName: z.string().optional(),
});
export type Plan = z.infer<typeof planSchema>;

/**
 * `quotas/{uid}`: the user's counters (written by the gateway) and the admin's settings for that
 * user (`planId`, `banned`), kept in one document so one transaction reads everything it needs.
 */
export const quotaDocSchema = z.object({
  planId: z.string().min(1).optional(),
  banned: z.boolean().optional(),
  day: z.string().optional(),
  dailyUsed: z.number().int().min(0).optional(),
});
export type QuotaDoc = z.infer<typeof quotaDocSchema>;

export interface QuotaStatus {
  planId: string;
  limit: number;
  used: number;
  remaining: number;
  /** ISO-8601 instant at which the daily window resets (next UTC midnight). */
  resetsAt: string;
}

export interface InferResponse {
  outputs: Prediction[];
  model: string;
  modelVersion: string;
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
