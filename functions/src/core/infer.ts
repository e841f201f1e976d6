/**
 * @module infer
 * The gateway's use cases, free of Cloud Functions: `infer` (who is calling, is the payload sound,
 * may they spend one more call, then forward to the model and commit — or refund when the model
 * fails) and `getQuota` (where the caller stands). Every dependency is passed in, so the same core
 * runs under `onCall`, a plain HTTP server or a test. The checks run cheapest first: nothing that
 * fails validation or the burst limiter costs a Firestore operation.
 */
import type { BurstLimiter } from "./burst";
import { GatewayError } from "./errors";
import type { Logger } from "./logger";
import { describeIssues, emptyRequestSchema, type InferResponse, inferRequestSchema, type QuotaStatus } from "./schema";
import type { Charged, GlobalGuard, QuotaStore, UsageOutcome } from "./store";
import { unitsFor } from "./units";
import { type InferenceClient, UpstreamError } from "./upstream";

export interface GatewayDeps {
  quota: QuotaStore;
  guard: GlobalGuard;
  burst: BurstLimiter;
  inference: InferenceClient;
  logger: Logger;
  /** Wall-clock time; read once per call. */
  now: () => Date;
  /** A monotonic millisecond counter for latency. */
  monotonicMs: () => number;
  newCallId: () => string;
  /**
   * Longest wait for Firestore in each phase of a call (admission, commit, refund), in ms (default
   * 10 s). The Firestore client retries an unreachable backend for minutes, far past the function's
   * timeout; past this deadline the call fails closed with `unavailable` instead of hanging.
   */
  storeDeadlineMs?: number;
}

/** The default of `GatewayDeps.storeDeadlineMs`. */
export const STORE_DEADLINE_MS = 10_000;

export interface GatewayCall {
  /** The verified Firebase uid, or undefined when the caller is not signed in. */
  uid: string | undefined;
  data: unknown;
}

export type InferHandler = (call: GatewayCall) => Promise<InferResponse>;
export type GetQuotaHandler = (call: GatewayCall) => Promise<QuotaStatus>;

function requireUid(uid: string | undefined): string {
  if (!uid) throw new GatewayError("unauthenticated", "Sign in to use the model.");
  return uid;
}

export function createInferHandler(deps: GatewayDeps): InferHandler {
  return async ({ uid: maybeUid, data }) => {
    const uid = requireUid(maybeUid);
    const parsed = inferRequestSchema.safeParse(data);
    if (!parsed.success) {
      throw new GatewayError("invalid-argument", `Invalid request: ${describeIssues(parsed.error)}`);
    }
    const { inputs, requestId } = parsed.data;
    const units = unitsFor(inputs);
    await deps.burst.take(uid);

    const now = deps.now();
    const callId = requestId ?? deps.newCallId();
    const reservation = await failClosed(
      deps,
      uid,
      callId,
      async (signal) => {
        await deps.guard.check(now);
        return deps.quota.reserve({ uid, callId, idempotent: requestId !== undefined, units, inputs: inputs.length, now, signal });
      },
      // A reservation that still lands after the caller was told `unavailable` is given back.
      (late) => {
        if (late.kind !== "charged") return;
        deps.guard.admitted(now);
        void refund(deps, late, "store_timeout", deps.monotonicMs());
      },
    );
    if (reservation.kind === "replay") {
      deps.logger.info("infer replayed", { uid, callId });
      return { ...reservation.result, replayed: true, quota: reservation.status };
    }
    deps.guard.admitted(now);

    const started = deps.monotonicMs();
    let answer;
    try {
      answer = await deps.inference.infer(inputs);
    } catch (err) {
      await refund(deps, reservation, err instanceof UpstreamError ? err.failure : "upstream_error", started);
      if (err instanceof GatewayError) throw err;
      deps.logger.error("unexpected error calling the model", { uid, callId });
      throw new GatewayError("internal", "The model call failed; the call was not charged.");
    }

    const latencyMs = deps.monotonicMs() - started;
    const result = { outputs: answer.outputs, model: answer.model, modelVersion: answer.model_version, units };
    try {
      await withDeadline(storeDeadline(deps), () => deps.quota.commit(reservation, { latencyMs, now: deps.now(), result }));
    } catch (err) {
      // The user was charged and gets their answer; the slot expires on its own and the record
      // stays "pending", which the ledger reports.
      deps.logger.error("usage record not completed", { uid, callId, error: errorName(err) });
    }
    deps.logger.info("infer ok", { uid, callId, inputs: inputs.length, units, latencyMs: Math.round(latencyMs) });
    return { ...result, replayed: false, quota: reservation.status };
  };
}

export function createGetQuotaHandler(deps: Pick<GatewayDeps, "quota" | "logger" | "now" | "storeDeadlineMs">): GetQuotaHandler {
  return async ({ uid: maybeUid, data }) => {
    const uid = requireUid(maybeUid);
    if (!emptyRequestSchema.safeParse(data).success) {
      throw new GatewayError("invalid-argument", "Invalid request: getQuota takes no arguments.");
    }
    return failClosed(deps, uid, "getQuota", () => deps.quota.status(uid, deps.now()));
  };
}

async function refund(deps: GatewayDeps, reservation: Charged, outcome: Exclude<UsageOutcome, "ok">, started: number) {
  const latencyMs = deps.monotonicMs() - started;
  try {
    await withDeadline(storeDeadline(deps), () => deps.quota.refund(reservation, { latencyMs, now: deps.now(), outcome }));
    deps.guard.refunded(deps.now());
  } catch (err) {
    deps.logger.error("refund failed; the user was charged for a failed call", {
      uid: reservation.uid,
      callId: reservation.callId,
      error: errorName(err),
    });
  }
}

/**
 * A store that cannot be reached admits nobody: the gateway fails closed with `unavailable`, within
 * the store deadline. The work is told (`signal`) when the caller has been answered, so it writes
 * nothing after that; if it still completes, `late` receives its result.
 */
async function failClosed<T>(
  deps: Pick<GatewayDeps, "logger" | "storeDeadlineMs">,
  uid: string,
  callId: string,
  work: (signal: AbortSignal) => Promise<T>,
  late?: (value: T) => void,
): Promise<T> {
  try {
    return await withDeadline(storeDeadline(deps), work, late);
  } catch (err) {
    if (err instanceof GatewayError) throw err;
    deps.logger.error("quota store unreachable; refusing the call", { uid, callId, error: errorName(err) });
    throw new GatewayError("unavailable", "The service cannot check your quota right now; try again shortly.");
  }
}

class StoreDeadlineExceeded extends Error {
  override name = "StoreDeadlineExceeded";
}

function storeDeadline(deps: Pick<GatewayDeps, "storeDeadlineMs">): number {
  return deps.storeDeadlineMs ?? STORE_DEADLINE_MS;
}

/** `work`, or `StoreDeadlineExceeded` after `ms` (then `work`'s signal is aborted and a late result goes to `late`). */
async function withDeadline<T>(ms: number, work: (signal: AbortSignal) => Promise<T>, late?: (value: T) => void): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const running = work(controller.signal);
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new StoreDeadlineExceeded()), ms);
  });
  try {
    return await Promise.race([running, expired]);
  } catch (err) {
    if (err instanceof StoreDeadlineExceeded) {
      controller.abort();
      running.then((value) => late?.(value), () => undefined);
    }
    throw err;
  } finally {
    clearTimeout(timer);
  }
}

function errorName(err: unknown): string {
  return err instanceof Error ? err.name : "unknown";
}
