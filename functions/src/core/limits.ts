/**
 * @module limits
 * The gatekeeping rule as pure functions over one user's quota document: who may call at all,
 * the in-flight slots, and every window's calls and units, checked all-or-nothing. The Firestore
 * store applies it inside one transaction; unit tests drive it with a fake clock.
 */
import { GatewayError } from "./errors";
import type { Plan, QuotaDoc, QuotaStatus, WindowCounter, WindowLimit, WindowLimits, WindowStatus } from "./schema";
import { secondsUntil, type WindowName, WINDOWS, windowEnd, windowKey } from "./windows";

/** The limits that apply to one user now: their plan, with an unexpired per-user override on top. */
export interface EffectivePlan {
  planId: string;
  modelAccess: boolean;
  maxInFlight: number;
  limits: WindowLimits;
}

export function effectivePlan(planId: string, plan: Plan, doc: QuotaDoc, now: Date): EffectivePlan {
  const base: EffectivePlan = {
    planId,
    modelAccess: plan.modelAccess,
    maxInFlight: plan.maxInFlight,
    limits: plan.limits,
  };
  const o = doc.override;
  if (!o || (o.expiresAt && o.expiresAt.toDate() <= now)) return base;
  return {
    planId,
    modelAccess: o.modelAccess ?? base.modelAccess,
    maxInFlight: o.maxInFlight ?? base.maxInFlight,
    limits: { ...base.limits, ...o.limits },
  };
}

/** This window's counter as of `now`: the stored one if it is still the current window, else zero. */
export function currentCounter(doc: QuotaDoc, window: WindowName, now: Date): WindowCounter {
  const key = windowKey(window, now);
  const stored = doc.windows?.[window];
  return stored && stored.key === key ? stored : { key, calls: 0, units: 0 };
}

/** In-flight slots that have not expired, as callId -> expiry. */
export function liveSlots(doc: QuotaDoc, now: Date): Record<string, Date> {
  const live: Record<string, Date> = {};
  for (const [callId, expires] of Object.entries(doc.inFlight ?? {})) {
    const at = expires.toDate();
    if (at > now) live[callId] = at;
  }
  return live;
}

function fits(counter: WindowCounter, limit: WindowLimit | undefined, units: number): boolean {
  if (!limit) return true;
  if (limit.calls !== undefined && counter.calls + 1 > limit.calls) return false;
  if (limit.units !== undefined && counter.units + units > limit.units) return false;
  return true;
}

export interface Admission {
  windows: Record<WindowName, WindowCounter>;
  inFlight: Record<string, Date>;
  creditUsed: boolean;
  credits: number;
}

/**
 * Decides whether a call of `units` may start now, and if so returns the document's new counters,
 * slots and credits. Throws the `GatewayError` the caller should see otherwise; then nothing changes.
 * Credits stand in for a full day or month window, never for the minute window or the slots.
 */
export function admit(
  doc: QuotaDoc,
  plan: EffectivePlan,
  units: number,
  callId: string,
  now: Date,
  slotTtlMs: number,
): Admission {
  if (doc.banned === true) {
    throw new GatewayError("permission-denied", "This account may not use the model.", { reason: "banned" });
  }
  if (!plan.modelAccess) {
    throw new GatewayError("permission-denied", "Your plan does not include access to the model.", { reason: "plan" });
  }
  const slots = liveSlots(doc, now);
  if (Object.keys(slots).length >= plan.maxInFlight) {
    throw new GatewayError(
      "resource-exhausted",
      `Too many calls at once: at most ${plan.maxInFlight} may run together. Wait for one to finish.`,
      { reason: "concurrency", limit: plan.maxInFlight, retryAfterSeconds: 1 },
    );
  }

  const counters = Object.fromEntries(WINDOWS.map((w) => [w, currentCounter(doc, w, now)])) as Record<
    WindowName,
    WindowCounter
  >;
  const minute = plan.limits.minute;
  if (!fits(counters.minute, minute, units)) throw quotaError("minute", minute, now);

  const full = (["month", "day"] as const).filter((w) => !fits(counters[w], plan.limits[w], units));
  const credits = doc.credits ?? 0;
  const creditUsed = full.length > 0;
  if (creditUsed && credits < 1) {
    const w = full[0] as "month" | "day"; // month first: waiting for the day to reset would not help
    throw quotaError(w, plan.limits[w], now);
  }

  for (const w of WINDOWS) {
    const c = counters[w];
    counters[w] = { key: c.key, calls: c.calls + 1, units: c.units + units };
  }
  slots[callId] = new Date(now.getTime() + slotTtlMs);
  return { windows: counters, inFlight: slots, creditUsed, credits: creditUsed ? credits - 1 : credits };
}

function quotaError(window: WindowName, limit: WindowLimit | undefined, now: Date): GatewayError {
  const end = windowEnd(window, now);
  const what = [
    limit?.calls !== undefined ? `${limit.calls} calls` : undefined,
    limit?.units !== undefined ? `${limit.units} units` : undefined,
  ]
    .filter(Boolean)
    .join(" / ");
  return new GatewayError(
    "resource-exhausted",
    `Quota reached: ${what} per ${window}. It resets at ${end.toISOString()}.`,
    {
      reason: "quota",
      window,
      limit: limit?.calls ?? limit?.units,
      retryAfterSeconds: secondsUntil(end, now),
      resetsAt: end.toISOString(),
    },
  );
}

/** The counters after giving back one call of `units` charged in the windows named by `keys`. */
export function refundWindows(
  doc: QuotaDoc,
  keys: Record<WindowName, string>,
  units: number,
): Partial<Record<WindowName, WindowCounter>> {
  const out: Partial<Record<WindowName, WindowCounter>> = {};
  for (const w of WINDOWS) {
    const c = doc.windows?.[w];
    // A window that has already rolled over has nothing left to give back.
    if (c && c.key === keys[w]) {
      out[w] = { key: c.key, calls: Math.max(0, c.calls - 1), units: Math.max(0, c.units - units) };
    }
  }
  return out;
}

/** Where the user stands now, for responses and `getQuota`. */
export function quotaStatus(doc: QuotaDoc, plan: EffectivePlan, now: Date): QuotaStatus {
  const windows: WindowStatus[] = WINDOWS.map((w) => {
    const c = currentCounter(doc, w, now);
    const limit = plan.limits[w];
    return {
      window: w,
      calls: { used: c.calls, limit: limit?.calls ?? null },
      units: { used: c.units, limit: limit?.units ?? null },
      resetsAt: windowEnd(w, now).toISOString(),
    };
  });
  const credits = doc.credits ?? 0;
  const callLimited = windows.filter((w) => w.window !== "minute" && w.calls.limit !== null);
  const remaining =
    callLimited.length === 0
      ? null
      : Math.min(...callLimited.map((w) => Math.max(0, (w.calls.limit ?? 0) - w.calls.used))) + credits;
  return {
    planId: plan.planId,
    remaining,
    credits,
    inFlight: Object.keys(liveSlots(doc, now)).length,
    maxInFlight: plan.maxInFlight,
    windows,
  };
}
