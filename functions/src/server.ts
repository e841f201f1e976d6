/**
 * @module server
 * The same gateway core served by a plain Node HTTP server instead of Cloud Functions, for Cloud
 * Run, a VM, load tests and the adversarial suite. It speaks the callable protocol (POST
 * `{ "data": ... }`, answers `{ "result": ... }` or `{ "error": { status, message, details } }`), so
 * the Firebase web SDK reaches it with `httpsCallableFromURL`, and it verifies the Firebase ID
 * token itself with the Admin SDK — including revocation and disabled accounts when asked, which
 * the Functions emulator never checks.
 *
 *   node functions/lib/server.js     # PORT (8091), HOST (127.0.0.1), plus the gateway's params as env
 */
import http from "node:http";
import { HttpsError } from "firebase-functions/v2/https";
import { toHttpsError } from "./callable";
import type { GatewayCall } from "./core/infer";
import type { Logger } from "./core/logger";

export interface TokenVerifier {
  /** The uid of a valid ID token; throws for anything else. */
  verify(idToken: string): Promise<string>;
}

export interface ServedGateway {
  infer: (call: GatewayCall) => Promise<unknown>;
  getQuota: (call: GatewayCall) => Promise<unknown>;
}

export interface GatewayServerOptions {
  gateway: ServedGateway;
  verifier: TokenVerifier;
  logger: Logger;
  /** Largest request body, in bytes; larger bodies are refused unread. */
  maxBodyBytes?: number;
}

const ROUTES: Record<string, keyof ServedGateway> = { "/infer": "infer", "/getQuota": "getQuota" };

export function createGatewayServer(options: GatewayServerOptions): http.Server {
  const maxBody = options.maxBodyBytes ?? 1_048_576;
  return http.createServer((req, res) => {
    const send = (status: number, body: unknown) => {
      const text = JSON.stringify(body);
      res.writeHead(status, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(text) });
      res.end(text);
    };
    const fail = (err: HttpsError) => send(err.httpErrorCode.status, { error: err.toJSON() });

    const route = ROUTES[(req.url ?? "").split("?")[0] ?? ""];
    if (!route) return fail(new HttpsError("not-found", "No such function."));
    if (req.method !== "POST") return fail(new HttpsError("invalid-argument", "Use POST."));
    if (!String(req.headers["content-type"] ?? "").startsWith("application/json")) {
      return fail(new HttpsError("invalid-argument", "The body must be JSON (Content-Type: application/json)."));
    }
    const declared = Number(req.headers["content-length"] ?? 0);
    if (declared > maxBody) {
      res.setHeader("Connection", "close");
      return fail(new HttpsError("invalid-argument", `The body is larger than ${maxBody} bytes.`));
    }

    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBody) {
        tooLarge = true;
        req.destroy();
      } else if (!tooLarge) chunks.push(chunk);
    });
    req.on("error", () => undefined);
    req.on("end", () => {
      if (tooLarge) return;
      void (async () => {
        try {
          const uid = await authenticate(req.headers.authorization, options.verifier);
          let body: unknown;
          try {
            body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
          } catch {
            throw new HttpsError("invalid-argument", "The body is not valid JSON.");
          }
          if (typeof body !== "object" || body === null || !("data" in body)) {
            throw new HttpsError("invalid-argument", 'The body must be an object with a "data" field.');
          }
          const result = await options.gateway[route]({ uid, data: (body as { data: unknown }).data });
          send(200, { result });
        } catch (err) {
          fail(toHttpsError(err, options.logger));
        }
      })();
    });
  });
}

/**
 * No Authorization header: an anonymous call (the core refuses it with `unauthenticated`).
 * A header that is present but not a valid token is refused here, never treated as anonymous.
 */
async function authenticate(header: string | undefined, verifier: TokenVerifier): Promise<string | undefined> {
  if (header === undefined) return undefined;
  const match = /^Bearer (\S+)$/.exec(header);
  if (!match?.[1]) throw new HttpsError("unauthenticated", "Unauthenticated.");
  try {
    return await verifier.verify(match[1]);
  } catch {
    throw new HttpsError("unauthenticated", "Unauthenticated.");
  }
}

/** Verifies ID tokens with the Admin SDK; `checkRevoked` also refuses revoked tokens and disabled users. */
export function adminTokenVerifier(checkRevoked: boolean): TokenVerifier {
  return {
    async verify(idToken) {
      const { getAuth } = await import("firebase-admin/auth");
      return (await getAuth().verifyIdToken(idToken, checkRevoked)).uid;
    },
  };
}

async function main(): Promise<void> {
  const { applyParamDefaults } = await import("./config");
  applyParamDefaults();
  const { buildGateway } = await import("./deps");
  const { functionsLoggerAdapter } = await import("./callable");
  const server = createGatewayServer({
    gateway: buildGateway(),
    verifier: adminTokenVerifier(process.env.CHECK_REVOKED !== "false"),
    logger: functionsLoggerAdapter,
  });
  const port = Number(process.env.PORT ?? 8091);
  const host = process.env.HOST ?? "127.0.0.1";
  server.listen(port, host, () => console.log(`gateway listening on http://${host}:${port} (/infer, /getQuota)`));
  const stop = () => server.close(() => process.exit(0));
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(`gateway server failed to start: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
}
