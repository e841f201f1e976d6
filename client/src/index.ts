/**
 * @module @gatekeeper/client
 * Typed access to the gateway's callables from a browser extension or web app.
 */
export { createGatekeeperClient, type CreateClientOptions, type FirebaseSdk } from "./firebase";
export {
  GatekeeperClient,
  type Callable,
  type GatekeeperCallables,
  type GatekeeperClientOptions,
  type RetryEvent,
  type RetryOptions,
} from "./client";
export {
  GatekeeperError,
  InProgressError,
  InvalidRequestError,
  QuotaExceededError,
  UnavailableError,
  toGatekeeperError,
  type GatekeeperErrorCode,
  type GatekeeperErrorDetails,
  type QuotaReason,
} from "./errors";
export * from "./protocol";
