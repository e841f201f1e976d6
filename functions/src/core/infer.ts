/**
 * @module infer
 * The gateway's one use case, free of Cloud Functions: who is calling, is the payload sound, may
 * they spend one more call, then forward to the model and commit — or refund when the model fails.
 * Every dependency is passed in, so the same core runs under `onCall`, a plain HTTP server or a test.
 */
import { GatewayError } from "./errors";
import type { Logger } from "./logger";
import type { QuotaStore, UsageOutcome } from "./quota";
import { describeIssues, type InferResponse, inferRequestSchema } from "./schema";
import { type InferenceClient, UpstreamError } from "./upstream";

export interface InferDeps {
  quota: QuotaStore;
  inference: InferenceClient;
  logger: Logger;
  /** Wall-clock time; read once per call. */
  now: () => Date;
  /** A monotonic millisecond counter for latency. */
  monotonicMs: () => number;
  newCallId: () => string;
}

export interface InferCall {
  /** The verified Firebase uid, or undefined when the caller is not signed in. */
  uid: string | undefined;
  data: unknown;
}

export type InferHandler = (call: InferCall) => Promise<InferResponse>;

export function createInferHandler(deps: InferDeps): InferHandler {
  return async ({ uid, data }) => {
    if (!uid) {
      throw new GatewayError("unauthenticated", "Sign in to use the model.");
    }
    const parsed = inferRequestSchema.safeParse(data);
    if (!parsed.success) {
      throw new GatewayError("invalid-argument", `Invalid request: ${describeIssues(parsed.error)}`);
    }
    const { inputs } = parsed.data;

    const now = deps.now();
    const callId = deps.newCallId();
    const reservation = await reserveOrFailClosed(deps, uid, callId, now);
    const started = deps.monotonicMs();
    const base = { uid, callId, at: now, day: reservation.charge.day, units: 1, inputs: inputs.length };

    let answer;
    try {
      answer = await deps.inference.infer(inputs);
    } catch (err) {
      const failure: UsageOutcome = err instanceof UpstreamError ? err.failure : "upstream_error";
      const record = { ...base, latencyMs: deps.monotonicMs() - started, outcome: failure };
      try {
        await deps.quota.refund(reservation, record);
      } catch (refundErr) {
        deps.logger.error("refund failed; the user was charged for a failed call", {
          uid,
          callId,
          error: refundErr instanceof Error ? refundErr.name : "unknown",
        });
      }
      if (err instanceof GatewayError) throw err;
      deps.logger.error("unexpected error calling the model", { uid, callId });
      throw new GatewayError("internal", "The model call failed; the call was not charged.");
    }

    const latencyMs = deps.monotonicMs() - started;
    try {
      await deps.quota.commit(reservation, {
        ...base,
        latencyMs,
        outcome: "ok",
        model: answer.model,
        modelVersion: answer.model_version,
      });
    } catch (commitErr) {
      // The user was charged and got their answer; only the ledger entry is missing.
      deps.logger.error("usage record not written", {
        uid,
        callId,
        error: commitErr instanceof Error ? commitErr.name : "unknown",
      });
    }
    deps.logger.info("infer ok", { uid, callId, inputs: inputs.length, latencyMs });
    return {
      outputs: answer.outputs,
      model: answer.model,
      modelVersion: answer.model_version,
      quota: reservation.charge.status,
    };
  };
}

/** A quota store that cannot be reached admits nobody: the gateway fails closed. */
async function reserveOrFailClosed(deps: InferDeps, uid: string, callId: string, now: Date) {
  try {
    return await deps.quota.reserve(uid, callId, now);
  } catch (err) {
    if (err instanceof GatewayError) throw err;
    deps.logger.error("quota store unreachable; refusing the call", {
      uid,
      callId,
      error: err instanceof Error ? err.name : "unknown",
    });
    throw new GatewayError("unavailable", "The service cannot check your quota right now; try again shortly.");
  }
}
