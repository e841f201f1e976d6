/**
 * @module errors
 * The gateway's refusals as typed errors. Every failure of a client call is a `GatekeeperError`
 * whose `code` is the callable error code without the `functions/` prefix; the three an app usually
 * handles differently have their own classes and carry `retryAfterSeconds`:
 *   QuotaExceededError  `resource-exhausted`: a limit (burst, quota window, concurrency, budget) is reached
 *   UnavailableError    `unavailable`: the model is down or busy, Firestore is unreachable, or the kill switch is on
 *   InProgressError     `aborted`: a call with the same requestId is still running
 * A request refused before it is sent (it does not match the gateway's schema) is an `InvalidRequestError`.
 */

/** The callable error codes (FunctionsErrorCode without the `functions/` prefix). */
export type GatekeeperErrorCode =
  | "ok"
  | "cancelled"
  | "unknown"
  | "invalid-argument"
  | "deadline-exceeded"
  | "not-found"
  | "already-exists"
  | "permission-denied"
  | "resource-exhausted"
  | "failed-precondition"
  | "aborted"
  | "out-of-range"
  | "unimplemented"
  | "internal"
  | "unavailable"
  | "data-loss"
  | "unauthenticated";

/** What the gateway may attach to a refusal (see the README's error table). */
export interface GatekeeperErrorDetails {
  reason?: string;
  retryAfterSeconds?: number;
  limit?: number;
  window?: string;
  resetsAt?: string;
}

export class GatekeeperError extends Error {
  constructor(
    readonly code: GatekeeperErrorCode,
    message: string,
    readonly details: GatekeeperErrorDetails = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "GatekeeperError";
  }

  /** Seconds the gateway asks the caller to wait before trying again, when it said. */
  get retryAfterSeconds(): number | undefined {
    return this.details.retryAfterSeconds;
  }

  get reason(): string | undefined {
    return this.details.reason;
  }
}

export type QuotaReason = "burst" | "quota" | "concurrency" | "budget";

/** `resource-exhausted`: nothing was charged; the limit frees up after `retryAfterSeconds`. */
export class QuotaExceededError extends GatekeeperError {
  constructor(message: string, details: GatekeeperErrorDetails, options?: { cause?: unknown }) {
    super("resource-exhausted", message, details, options);
    this.name = "QuotaExceededError";
  }

  override get reason(): QuotaReason | undefined {
    return this.details.reason as QuotaReason | undefined;
  }

  /** The window that is full: `minute`, `day`, `month`, or the burst window such as `10s`. */
  get window(): string | undefined {
    return this.details.window;
  }

  get limit(): number | undefined {
    return this.details.limit;
  }
}

/** `unavailable`: the call was refunded. `disabled` is true when an operator switched the model off. */
export class UnavailableError extends GatekeeperError {
  constructor(message: string, details: GatekeeperErrorDetails, options?: { cause?: unknown }) {
    super("unavailable", message, details, options);
    this.name = "UnavailableError";
  }

  get disabled(): boolean {
    return this.details.reason === "disabled";
  }
}

/** `aborted`: an earlier attempt with the same requestId is still running; its answer will be replayed. */
export class InProgressError extends GatekeeperError {
  constructor(message: string, details: GatekeeperErrorDetails, options?: { cause?: unknown }) {
    super("aborted", message, details, options);
    this.name = "InProgressError";
  }
}

/** The request does not match the gateway's schema; it was never sent. */
export class InvalidRequestError extends GatekeeperError {
  constructor(message: string) {
    super("invalid-argument", message);
    this.name = "InvalidRequestError";
  }
}

const CODES = new Set<string>([
  "ok", "cancelled", "unknown", "invalid-argument", "deadline-exceeded", "not-found", "already-exists",
  "permission-denied", "resource-exhausted", "failed-precondition", "aborted", "out-of-range",
  "unimplemented", "internal", "unavailable", "data-loss", "unauthenticated",
]);

/**
 * Turns whatever a callable threw (a `FunctionsError` with `code: "functions/..."` and `details`)
 * into a `GatekeeperError`. Anything unrecognised becomes `unknown`, with the original as `cause`.
 */
export function toGatekeeperError(err: unknown): GatekeeperError {
  if (err instanceof GatekeeperError) return err;
  const e = (typeof err === "object" && err !== null ? err : {}) as { code?: unknown; message?: unknown; details?: unknown };
  const raw = typeof e.code === "string" ? e.code.replace(/^functions\//, "") : "unknown";
  const code = (CODES.has(raw) ? raw : "unknown") as GatekeeperErrorCode;
  const message = typeof e.message === "string" && e.message ? e.message : "The call failed.";
  const details = readDetails(e.details);
  const options = { cause: err };
  switch (code) {
    case "resource-exhausted":
      return new QuotaExceededError(message, details, options);
    case "unavailable":
      return new UnavailableError(message, details, options);
    case "aborted":
      return new InProgressError(message, details, options);
    default:
      return new GatekeeperError(code, message, details, options);
  }
}

/** Keeps only the documented detail fields, with the right types; the rest of `details` is ignored. */
function readDetails(raw: unknown): GatekeeperErrorDetails {
  if (typeof raw !== "object" || raw === null) return {};
  const d = raw as Record<string, unknown>;
  const out: GatekeeperErrorDetails = {};
  if (typeof d.reason === "string") out.reason = d.reason;
  if (typeof d.window === "string") out.window = d.window;
  if (typeof d.resetsAt === "string") out.resetsAt = d.resetsAt;
  if (typeof d.limit === "number" && Number.isFinite(d.limit)) out.limit = d.limit;
  if (typeof d.retryAfterSeconds === "number" && Number.isFinite(d.retryAfterSeconds) && d.retryAfterSeconds >= 0) {
    out.retryAfterSeconds = d.retryAfterSeconds;
  }
  return out;
}
