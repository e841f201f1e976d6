/**
 * @module index
 * Binds Cloud Functions triggers to handlers; nothing else lives here. The gateway is built on the
 * first call, not at import, so deploy-time analysis and cold starts stay fast.
 */
import { type CallableRequest, onCall } from "firebase-functions/v2/https";
import { functionsLoggerAdapter, toHttpsError } from "./callable";
import { consumeAppCheckToken, enforceAppCheck, FUNCTION_TIMEOUT_SECONDS, inferenceSecret } from "./config";
import type { GatewayCall } from "./core/infer";
import type { Gateway } from "./deps";

let gateway: Gateway | undefined;

async function serve<T>(request: CallableRequest, pick: (g: Gateway) => (call: GatewayCall) => Promise<T>): Promise<T> {
  try {
    if (!gateway) {
      const { buildGateway } = await import("./deps");
      gateway = buildGateway();
    }
    return await pick(gateway)({ uid: request.auth?.uid, data: request.data });
  } catch (err) {
    throw toHttpsError(err, functionsLoggerAdapter);
  }
}

export const infer = onCall(
  {
    secrets: [inferenceSecret],
    timeoutSeconds: FUNCTION_TIMEOUT_SECONDS,
    memory: "256MiB",
    // A ceiling on the gateway's own scale-out, part of the bill's protection.
    maxInstances: 20,
    enforceAppCheck,
    consumeAppCheckToken,
  },
  (request) => serve(request, (g) => g.infer),
);

export const getQuota = onCall(
  { secrets: [inferenceSecret], timeoutSeconds: 10, memory: "256MiB", maxInstances: 20, enforceAppCheck },
  (request) => serve(request, (g) => g.getQuota),
);
