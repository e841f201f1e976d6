/**
 * @module firebase
 * `createGatekeeperClient(app, options)`: the client bound to a Firebase app's `infer` and
 * `getQuota` callables. The Firebase SDK attaches the signed-in user's ID token to every call, and
 * the App Check token once App Check is initialized on the same app, which `appCheck` does here.
 */
import type { FirebaseApp } from "firebase/app";
import { initializeAppCheck, type AppCheck, type AppCheckOptions } from "firebase/app-check";
import { getFunctions, httpsCallable, type Functions } from "firebase/functions";
import { GatekeeperClient, type GatekeeperCallables, type GatekeeperClientOptions } from "./client";
import type { InferRequest, InferResponse, QuotaStatus } from "./protocol";

export interface CreateClientOptions extends GatekeeperClientOptions {
  /** The Functions instance to call, e.g. one connected to the emulator; else `getFunctions(app, region)`. */
  functions?: Functions;
  /** The functions' region (default the SDK's, us-central1). Ignored when `functions` is given. */
  region?: string;
  /**
   * Initializes App Check on `app` with this provider (`ReCaptchaV3Provider`,
   * `ReCaptchaEnterpriseProvider` or, in a browser extension, a `CustomProvider`), so every call
   * carries an App Check token. Leave it out when the app initializes App Check itself.
   */
  appCheck?: AppCheckOptions;
  /**
   * Sends limited-use App Check tokens (one per call): needed when the gateway runs with
   * `CONSUME_APP_CHECK_TOKEN=true`.
   */
  limitedUseAppCheckTokens?: boolean;
  /** Per-attempt timeout of one call, in ms (the SDK's default is 70 s). */
  timeoutMs?: number;
  /** The SDK functions used; injected by tests. */
  sdk?: Partial<FirebaseSdk>;
}

export interface FirebaseSdk {
  getFunctions: typeof getFunctions;
  httpsCallable: typeof httpsCallable;
  initializeAppCheck: (app: FirebaseApp, options: AppCheckOptions) => AppCheck;
}

export function createGatekeeperClient(app: FirebaseApp, options: CreateClientOptions = {}): GatekeeperClient {
  const sdk: FirebaseSdk = { getFunctions, httpsCallable, initializeAppCheck, ...options.sdk };
  if (options.appCheck) sdk.initializeAppCheck(app, options.appCheck);
  const functions = options.functions ?? sdk.getFunctions(app, options.region);
  const callOptions = {
    ...(options.timeoutMs !== undefined ? { timeout: options.timeoutMs } : {}),
    ...(options.limitedUseAppCheckTokens ? { limitedUseAppCheckTokens: true } : {}),
  };
  const callables: GatekeeperCallables = {
    infer: sdk.httpsCallable<InferRequest, InferResponse>(functions, "infer", callOptions),
    getQuota: sdk.httpsCallable<null, QuotaStatus>(functions, "getQuota", callOptions),
  };
  return new GatekeeperClient(callables, options);
}
