/**
 * @module format
 * The popup's words for the gateway's numbers: how long to wait, how much quota is left, and what
 * to tell the user when a call is refused. Pure, so it is unit-tested without a browser.
 */
import { GatekeeperError, QuotaExceededError, UnavailableError, type QuotaStatus } from "@gatekeeper/client";

/**
 * A wait for people: "45 s", "12 min", "6 h 27 min", "3 d 4 h". Rounded up, so the user is never
 * told to come back before the limit has actually reset.
 */
export function formatWait(seconds: number): string {
  const s = Math.max(0, Math.ceil(seconds));
  if (s < 60) return `${s} s`;
  const minutes = Math.ceil(s / 60);
  if (minutes < 60) return `${minutes} min`;
  if (minutes < 24 * 60) {
    const h = Math.floor(minutes / 60);
    const m = minutes % 60;
    return m === 0 ? `${h} h` : `${h} h ${m} min`;
  }
  const hours = Math.ceil(s / 3600);
  const d = Math.floor(hours / 24);
  const h = hours % 24;
  return h === 0 ? `${d} d` : `${d} d ${h} h`;
}

const PERIOD: Record<string, { left: string; used: string }> = {
  minute: { left: "this minute", used: "this minute's" },
  day: { left: "today", used: "today's" },
  month: { left: "this month", used: "this month's" },
};

/** "4 of 5 calls left today", from the window (day or month) that runs out first. */
export function describeQuota(q: QuotaStatus): string {
  if (q.remaining === null) return "No limit on calls for your plan";
  const limited = q.windows
    .filter((w) => (w.window === "day" || w.window === "month") && w.calls.limit !== null)
    .sort((a, b) => (a.calls.limit ?? 0) - a.calls.used - ((b.calls.limit ?? 0) - b.calls.used));
  const w = limited[0];
  const credits = q.credits > 0 ? ` (+${q.credits} credits)` : "";
  const calls = (n: number) => `${n} call${n === 1 ? "" : "s"}`;
  if (!w) return `${calls(q.remaining)} left${credits}`;
  return `${q.remaining} of ${calls(w.calls.limit ?? 0)} left ${PERIOD[w.window]?.left ?? ""}${credits}`.trim();
}

/**
 * The message for a refused call, e.g. "You've used today's 5 calls; try again in 6 h 27 min".
 * `quota` (the last known status) tells whether the full window limits calls or units.
 */
export function describeError(err: unknown, quota?: QuotaStatus): string {
  if (err instanceof QuotaExceededError) {
    const wait = err.retryAfterSeconds !== undefined ? `try again in ${formatWait(err.retryAfterSeconds)}` : "try again later";
    switch (err.reason) {
      case "quota": {
        const period = PERIOD[err.window ?? ""]?.used ?? "your";
        const window = quota?.windows.find((w) => w.window === err.window);
        const what = window && window.calls.limit === null && window.units.limit !== null ? "units" : "calls";
        return `You've used ${period} ${err.limit ?? ""} ${what}; ${wait}`.replace(/ {2,}/g, " ");
      }
      case "burst":
        return `Too many calls in a short time; ${wait}`;
      case "concurrency":
        return "Another call is still running; try again when it has finished";
      case "budget":
        return `The service is at its capacity for today; ${wait}`;
      default:
        return `${err.message} (${wait})`;
    }
  }
  if (err instanceof UnavailableError) {
    if (err.disabled) return err.message;
    return err.retryAfterSeconds !== undefined
      ? `The model is busy; try again in ${formatWait(err.retryAfterSeconds)}`
      : "The model is unavailable right now; try again shortly";
  }
  if (err instanceof GatekeeperError) {
    if (err.code === "unauthenticated") return "Please sign in again";
    if (err.code === "deadline-exceeded") return "The model took too long to answer; you were not charged";
    return err.message;
  }
  return "Something went wrong; please try again";
}

/** A Firebase Auth error code as a sentence for the sign-in form. */
export function describeSignInError(err: unknown): string {
  const code = (err as { code?: unknown })?.code;
  switch (code) {
    case "auth/invalid-credential":
    case "auth/wrong-password":
    case "auth/user-not-found":
    case "auth/invalid-email":
      return "Wrong email or password";
    case "auth/too-many-requests":
      return "Too many attempts; try again in a few minutes";
    case "auth/network-request-failed":
      return "Cannot reach the sign-in service";
    default:
      return "Sign-in failed; please try again";
  }
}
