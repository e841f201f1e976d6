/**
 * @module index
 * Binds Cloud Functions triggers to handlers; nothing else lives here. Heavy dependencies are built
 * on the first call, not at import, so deploy-time analysis and cold starts stay fast.
 */
import { onCall } from "firebase-functions/v2/https";
import { functionsLoggerAdapter, toHttpsError } from "./callable";
import { inferenceSecret } from "./config";
import type { InferHandler } from "./core/infer";

let inferHandler: InferHandler | undefined;

export const infer = onCall(
  {
    secrets: [inferenceSecret],
    // A call waits for the model; the function's own timeout bounds the worst case.
    timeoutSeconds: 60,
    memory: "256MiB",
    // A ceiling on the gateway's own scale-out, part of the bill's protection.
    maxInstances: 20,
  },
  async (request) => {
    try {
      if (!inferHandler) {
        const { buildInferHandler } = await import("./deps");
        inferHandler = buildInferHandler();
      }
      return await inferHandler({ uid: request.auth?.uid, data: request.data });
    } catch (err) {
      throw toHttpsError(err, functionsLoggerAdapter);
    }
  },
);
