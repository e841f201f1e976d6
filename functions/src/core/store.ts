/**
 * @module store
 * The seams between the gateway core and where its state lives: per-user quota (`QuotaStore`) and
 * the bill-wide guard (`GlobalGuard`: kill switch and daily budget). Firestore implements both in
 * production; in-memory fakes implement them for unit tests.
 */
import type { Prediction, QuotaStatus } from "./schema";
import type { WindowName } from "./windows";

/** `store_timeout`: the reservation landed after the caller had been refused for a slow Firestore, and was given back. */
export type UsageOutcome = "ok" | "upstream_unavailable" | "upstream_timeout" | "upstream_error" | "store_timeout";

export interface ReserveRequest {
  uid: string;
  callId: string;
  /** True when callId is the client's requestId: an earlier call with it may be replayed. */
  idempotent: boolean;
  units: number;
  inputs: number;
  now: Date;
  /** Aborted when the caller has already been answered: the reservation must then write nothing. */
  signal?: AbortSignal;
}

export interface StoredResult {
  outputs: Prediction[];
  model: string;
  modelVersion: string;
  units: number;
}

export interface Charged {
  kind: "charged";
  uid: string;
  callId: string;
  units: number;
  /** The windows the call was counted in, so a refund gives back only what is still current. */
  windowKeys: Record<WindowName, string>;
  creditUsed: boolean;
  status: QuotaStatus;
}

export interface Replay {
  kind: "replay";
  uid: string;
  callId: string;
  result: StoredResult;
  status: QuotaStatus;
}

export type Reservation = Charged | Replay;

export interface CallOutcome {
  latencyMs: number;
  now: Date;
}

/**
 * `reserve` checks every limit and takes every window and an in-flight slot at once, or throws a
 * `GatewayError` and takes nothing. `commit` keeps the charge, releases the slot and stores the
 * result; `refund` gives everything back. Each admitted call leaves exactly one usage record.
 */
export interface QuotaStore {
  reserve(request: ReserveRequest): Promise<Reservation>;
  commit(reservation: Charged, outcome: CallOutcome & { result: StoredResult }): Promise<void>;
  refund(reservation: Charged, outcome: CallOutcome & { outcome: Exclude<UsageOutcome, "ok"> }): Promise<void>;
  status(uid: string, now: Date): Promise<QuotaStatus>;
}

/** Protects the bill as a whole: throws when the kill switch is on or the daily budget is spent. */
export interface GlobalGuard {
  check(now: Date): Promise<void>;
  /** Told of each admitted and each refunded call, so the instance's view stays current between refreshes. */
  admitted(now: Date): void;
  refunded(now: Date): void;
}
