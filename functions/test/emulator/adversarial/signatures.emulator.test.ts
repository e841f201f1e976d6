/**
 * ID-token signatures, proven where the Auth emulator cannot prove them: with
 * FIREBASE_AUTH_EMULATOR_HOST set, firebase-admin accepts unsigned tokens by design. Here that
 * variable is unset and the gateway's own verifier (`adminTokenVerifier`, i.e. the Admin SDK's
 * `verifyIdToken`) checks RS256 signatures for real; the only thing swapped is where the SDK fetches
 * Google's public certificates: a local server holding a test key's certificate. Every forged,
 * expired or foreign token is refused with 401 and never reaches the model; a correctly signed one
 * is served (so the refusals are not an artefact of a broken setup). Revocation needs the Auth
 * backend and is covered by the end-to-end auth matrix instead (checkRevoked off here).
 */
import { createPrivateKey, createSign, generateKeyPairSync, createHmac, type KeyObject } from "node:crypto";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { getApps, initializeApp } from "firebase-admin/app";
import { getAuth } from "firebase-admin/auth";
import { getFirestore } from "firebase-admin/firestore";
import { MemoryLogger } from "../../../src/core/logger";
import { adminTokenVerifier, createGatewayServer } from "../../../src/server";
import { buildCore, ledger } from "../../support/adversarial";
import { clearFirestore } from "../../support/emulator";
import { StubServer } from "../../support/stubServer";

const PROJECT = "demo-adv-signatures";
const KID = "test-kid-1";
const savedAuthHost = process.env.FIREBASE_AUTH_EMULATOR_HOST;
const model = new StubServer();
let certServer: http.Server;
let gateway: http.Server;
let base: string;
let goodKey: KeyObject;
let otherKey: KeyObject;
let publicPem: string;

/** A self-signed certificate for the test key, as Google publishes its signing certificates. */
function selfSigned(): { key: KeyObject; cert: string } {
  const dir = mkdtempSync(join(tmpdir(), "sig-"));
  execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", join(dir, "k.pem"), "-out", join(dir, "c.pem"), "-days", "1", "-subj", "/CN=test"], { stdio: "ignore" });
  return { key: createPrivateKey(readFileSync(join(dir, "k.pem"))), cert: readFileSync(join(dir, "c.pem"), "utf8") };
}

const b64 = (v: unknown) => Buffer.from(typeof v === "string" ? v : JSON.stringify(v)).toString("base64url");

function sign(header: object, payload: object, key: KeyObject | "none" | { hmac: string }): string {
  const input = `${b64(header)}.${b64(payload)}`;
  if (key === "none") return `${input}.`;
  if ("hmac" in key) return `${input}.${createHmac("sha256", key.hmac).update(input).digest("base64url")}`;
  return `${input}.${createSign("RSA-SHA256").update(input).sign(key as KeyObject).toString("base64url")}`;
}

function claims(overrides: Record<string, unknown> = {}) {
  const now = Math.floor(Date.now() / 1000);
  return {
    iss: `https://securetoken.google.com/${PROJECT}`,
    aud: PROJECT,
    auth_time: now - 10,
    sub: "signed-user",
    iat: now - 10,
    exp: now + 3600,
    firebase: { sign_in_provider: "password", identities: {} },
    ...overrides,
  };
}

beforeAll(async () => {
  delete process.env.FIREBASE_AUTH_EMULATOR_HOST; // verify as in production: signatures checked
  const good = selfSigned();
  goodKey = good.key;
  otherKey = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey;
  publicPem = good.cert;
  certServer = http.createServer((_req, res) => {
    res.writeHead(200, { "Content-Type": "application/json", "Cache-Control": "public, max-age=600" });
    res.end(JSON.stringify({ [KID]: good.cert }));
  });
  await new Promise<void>((r) => certServer.listen(0, "127.0.0.1", r));
  const certUrl = `http://127.0.0.1:${(certServer.address() as AddressInfo).port}/certs`;

  if (getApps().length === 0) initializeApp({ projectId: PROJECT });
  // The one seam: the SDK's ID-token verifier fetches certificates from the local server.
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const { PublicKeySignatureVerifier } = require(join(require.resolve("firebase-admin/auth"), "../../utils/jwt.js"));
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  (getAuth() as any).idTokenVerifier.signatureVerifier = PublicKeySignatureVerifier.withCertificateUrl(certUrl);

  const db = getFirestore();
  await clearFirestore(PROJECT);
  await db.doc("plans/free").set({ maxInFlight: 4, limits: { day: { calls: 100 } } });
  const core = buildCore(db, { inferenceUrl: await model.start() });
  gateway = createGatewayServer({ gateway: { infer: core.infer, getQuota: core.getQuota }, verifier: adminTokenVerifier(false), logger: new MemoryLogger() });
  await new Promise<void>((r) => gateway.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(gateway.address() as AddressInfo).port}`;
});

afterAll(async () => {
  if (savedAuthHost !== undefined) process.env.FIREBASE_AUTH_EMULATOR_HOST = savedAuthHost;
  if (gateway) await new Promise((r) => gateway.close(r));
  if (certServer) await new Promise((r) => certServer.close(r));
  await model.stop();
});

async function call(token: string) {
  const res = await fetch(`${base}/infer`, {
    method: "POST",
    headers: { "Content-Type": "application/json", Authorization: `Bearer ${token}` },
    body: JSON.stringify({ data: { inputs: ["signed"] } }),
  });
  return { status: res.status, body: (await res.json()) as { error?: { status: string } } };
}

const RS256 = { alg: "RS256", kid: KID, typ: "JWT" };
const now = () => Math.floor(Date.now() / 1000);

describe("ID tokens verified with signatures on", () => {
  it("serves a token signed with the published key (the control)", async () => {
    expect((await call(sign(RS256, claims(), goodKey))).status).toBe(200);
  });

  const forged: [string, () => string][] = [
    ["signed with another key under the published kid", () => sign(RS256, claims(), otherKey)],
    ["alg: none, no signature", () => sign({ alg: "none", kid: KID }, claims(), "none")],
    ["alg: none with the valid token's signature", () => `${b64({ alg: "none", kid: KID })}.${b64(claims())}.${sign(RS256, claims(), goodKey).split(".")[2]}`],
    ["HS256 keyed with the public certificate (algorithm confusion)", () => sign({ alg: "HS256", kid: KID }, claims(), { hmac: publicPem })],
    ["no kid", () => sign({ alg: "RS256" }, claims(), goodKey)],
    ["an unknown kid", () => sign({ ...RS256, kid: "other" }, claims(), goodKey)],
    ["claims changed after signing", () => { const [h, , s] = sign(RS256, claims(), goodKey).split("."); return `${h}.${b64(claims({ sub: "someone-else" }))}.${s}`; }],
    ["expired", () => sign(RS256, claims({ iat: now() - 7200, exp: now() - 3600 }), goodKey)],
    ["another project's audience", () => sign(RS256, claims({ aud: "demo-other-project" }), goodKey)],
    ["another project's issuer", () => sign(RS256, claims({ iss: "https://securetoken.google.com/demo-other-project" }), goodKey)],
    ["an empty subject", () => sign(RS256, claims({ sub: "" }), goodKey)],
    ["a subject over 128 characters", () => sign(RS256, claims({ sub: "x".repeat(129) }), goodKey)],
    ["a custom token instead of an ID token", () => sign({ alg: "RS256" }, { aud: "https://identitytoolkit.googleapis.com/google.identity.identitytoolkit.v1.IdentityToolkit", uid: "signed-user", iss: "x", sub: "x", iat: now(), exp: now() + 3600 }, goodKey)],
    ["garbage", () => "not.a.jwt"],
  ];

  it.each(forged)("refuses a token %s with 401 and never calls the model", async (_name, make) => {
    const before = model.requests.length;
    const { status, body } = await call(make());
    expect(status).toBe(401);
    expect(body.error?.status).toBe("UNAUTHENTICATED");
    expect(model.requests.length).toBe(before);
  });

  it("charged only the control call", async () => {
    expect(model.requests).toHaveLength(1);
    expect(await ledger(getFirestore(), "signed-user")).toMatchObject({ dayCalls: 1, records: 1 });
    expect(await ledger(getFirestore(), "someone-else")).toMatchObject({ dayCalls: 0, records: 0 });
  });
});
