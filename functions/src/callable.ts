/**
 * @module callable
 * The edge between the core and Cloud Functions: one exhaustive mapping from `GatewayError` to
 * `HttpsError`, and a logger backed by firebase-functions' structured logger. Unknown errors become
 * a generic `internal` and are logged by name only, never echoed.
 */
import * as functionsLogger from "firebase-functions/logger";
import { HttpsError, type FunctionsErrorCode } from "firebase-functions/v2/https";
import { type GatewayErrorCode, isGatewayError } from "./core/errors";
import type { Logger } from "./core/logger";

const CODES: Record<GatewayErrorCode, FunctionsErrorCode> = {
  unauthenticated: "unauthenticated",
  "permission-denied": "permission-denied",
  "invalid-argument": "invalid-argument",
  "resource-exhausted": "resource-exhausted",
  aborted: "aborted",
  "failed-precondition": "failed-precondition",
  unavailable: "unavailable",
  "deadline-exceeded": "deadline-exceeded",
  internal: "internal",
};

export function toHttpsError(err: unknown, logger: Logger): HttpsError {
  if (err instanceof HttpsError) return err;
  if (isGatewayError(err)) return new HttpsError(CODES[err.code], err.message, err.details);
  logger.error("unexpected error in the gateway", { error: err instanceof Error ? err.name : typeof err });
  return new HttpsError("internal", "Internal error.");
}

export const functionsLoggerAdapter: Logger = {
  info: (message, fields) => functionsLogger.info(message, fields ?? {}),
  warn: (message, fields) => functionsLogger.warn(message, fields ?? {}),
  error: (message, fields) => functionsLogger.error(message, fields ?? {}),
};
