/**
 * @module quota
 * The daily quota rule as pure functions, and the `QuotaStore` seam that applies it atomically.
 *
 * The window is the UTC calendar day (fixed window): it resets at 00:00:00 UTC, and a call is
 * counted on the day its reservation was made. A refund on another day than the charge is a no-op,
 * since the counter it would lower has already been reset.
 */
import { GatewayError } from "./errors";
import type { Plan, QuotaDoc, QuotaStatus } from "./schema";

/** `YYYY-MM-DD` of the UTC day containing `now`. */
export function utcDay(now: Date): string {
  return now.toISOString().slice(0, 10);
}

/** The first instant of the UTC day after `now`. */
export function nextUtcMidnight(now: Date): Date {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1));
}

/** Whole seconds from `now` until the window resets, at least 1. */
export function secondsUntilReset(now: Date): number {
  return Math.max(1, Math.ceil((nextUtcMidnight(now).getTime() - now.getTime()) / 1000));
}

export interface Charge {
  day: string;
  /** The counter after this call is charged. */
  used: number;
  status: QuotaStatus;
}

/**
 * Decides whether one more call may be charged to a user whose quota document is `doc` and whose
 * plan is `plan`; throws the error the caller should see when it may not.
 */
export function decideCharge(doc: QuotaDoc, planId: string, plan: Plan, now: Date): Charge {
  if (doc.banned === true) {
    throw new GatewayError("permission-denied", "This account may not use the model.", {
      reason: "banned",
    });
  }
  if (!plan.modelAccess) {
    throw new GatewayError("permission-denied", "Your plan does not include access to the model.", {
      reason: "plan",
    });
  }
  const day = utcDay(now);
  const usedToday = doc.day === day ? (doc.dailyUsed ?? 0) : 0;
  const resetsAt = nextUtcMidnight(now).toISOString();
  if (usedToday >= plan.dailyCalls) {
    throw new GatewayError(
      "resource-exhausted",
      `Daily quota of ${plan.dailyCalls} calls used up; it resets at ${resetsAt}.`,
      {
        reason: "quota",
        window: "day",
        limit: plan.dailyCalls,
        retryAfterSeconds: secondsUntilReset(now),
        resetsAt,
      },
    );
  }
  const used = usedToday + 1;
  return {
    day,
    used,
    status: { planId, limit: plan.dailyCalls, used, remaining: plan.dailyCalls - used, resetsAt },
  };
}

/** What a call left behind: one record per admitted call, under `quotas/{uid}/usage/{callId}`. */
export type UsageOutcome = "ok" | "upstream_unavailable" | "upstream_timeout" | "upstream_error";

export interface UsageRecord {
  uid: string;
  callId: string;
  at: Date;
  day: string;
  units: number;
  inputs: number;
  latencyMs: number;
  outcome: UsageOutcome;
  model?: string;
  modelVersion?: string;
}

export interface Reservation {
  uid: string;
  callId: string;
  charge: Charge;
}

/**
 * Where quota lives. `reserve` charges one call atomically or throws a `GatewayError`;
 * `commit` records a successful call; `refund` gives the charge back and records the failure,
 * atomically, so a refunded call leaves its record and the counter where it started.
 */
export interface QuotaStore {
  reserve(uid: string, callId: string, now: Date): Promise<Reservation>;
  commit(reservation: Reservation, record: UsageRecord): Promise<void>;
  refund(reservation: Reservation, record: UsageRecord): Promise<void>;
}
