/**
 * @module errors
 * One error model for the gateway core: a closed set of codes, each mapped once to a callable
 * `HttpsError` at the edge. Messages are written for the caller; upstream text is never copied in.
 */

export type GatewayErrorCode =
  | "unauthenticated"
  | "permission-denied"
  | "invalid-argument"
  | "resource-exhausted"
  | "aborted"
  | "failed-precondition"
  | "unavailable"
  | "deadline-exceeded"
  | "internal";

/** Machine-readable details that travel to the client with the error. */
export interface GatewayErrorDetails {
  reason?: string;
  retryAfterSeconds?: number;
  limit?: number;
  window?: string;
  resetsAt?: string;
}

export class GatewayError extends Error {
  constructor(
    readonly code: GatewayErrorCode,
    message: string,
    readonly details?: GatewayErrorDetails,
  ) {
    super(message);
    this.name = "GatewayError";
  }
}

export function isGatewayError(err: unknown): err is GatewayError {
  return err instanceof GatewayError;
}
