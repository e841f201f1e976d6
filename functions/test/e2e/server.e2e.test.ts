/**
 * The plain HTTP server around the same core (src/server.ts), reached by the Firebase web SDK with
 * `httpsCallableFromURL`. Unlike the Functions emulator it verifies ID tokens for real (Admin SDK
 * against the Auth emulator), revocation and disabled accounts included.
 */
import type { AddressInfo } from "node:net";
import { randomUUID } from "node:crypto";
import type http from "node:http";
import { deleteApp, initializeApp, type FirebaseApp } from "firebase/app";
import { connectAuthEmulator, createUserWithEmailAndPassword, getAuth, signInWithEmailAndPassword, type User } from "firebase/auth";
import { getFunctions, httpsCallableFromURL, type FunctionsError } from "firebase/functions";
import { getApps as getAdminApps, initializeApp as initializeAdminApp } from "firebase-admin/app";
import { getAuth as getAdminAuth } from "firebase-admin/auth";
import { getFirestore } from "firebase-admin/firestore";
import { functionsLoggerAdapter } from "../../src/callable";
import { applyParamDefaults } from "../../src/config";
import { buildGateway } from "../../src/deps";
import { adminTokenVerifier, createGatewayServer } from "../../src/server";

const PROJECT = process.env.GCLOUD_PROJECT ?? "demo-gatekeeper";
let server: http.Server;
let base: string;
let app: FirebaseApp;
let user: User;
let email: string;

beforeAll(async () => {
  if (getAdminApps().length === 0) initializeAdminApp({ projectId: PROJECT });
  await getFirestore().doc("plans/server-e2e").set({ maxInFlight: 4, limits: { day: { calls: 20 } } });
  process.env.INFERENCE_SECRET = process.env.E2E_INFERENCE_SECRET;
  applyParamDefaults();
  server = createGatewayServer({ gateway: buildGateway(), verifier: adminTokenVerifier(true), logger: functionsLoggerAdapter });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  app = initializeApp({ projectId: PROJECT, apiKey: "demo-api-key" }, `server-${randomUUID()}`);
  connectAuthEmulator(getAuth(app), `http://${process.env.FIREBASE_AUTH_EMULATOR_HOST}`, { disableWarnings: true });
});

beforeEach(async () => {
  email = `srv-${randomUUID()}@example.com`;
  user = (await createUserWithEmailAndPassword(getAuth(app), email, "e2e-password")).user;
  await getFirestore().doc(`quotas/${user.uid}`).set({ planId: "server-e2e" });
});

afterAll(async () => {
  await new Promise((r) => server.close(r));
  await deleteApp(app);
});

const infer = () => httpsCallableFromURL<unknown, { outputs: unknown[]; quota: { remaining: number } }>(getFunctions(app), `${base}/infer`);

async function raw(token: string | undefined) {
  const res = await fetch(`${base}/infer`, {
    method: "POST",
    headers: { "Content-Type": "application/json", ...(token === undefined ? {} : { Authorization: `Bearer ${token}` }) },
    body: JSON.stringify({ data: { inputs: ["hello"] } }),
  });
  return { status: res.status, body: (await res.json()) as { error?: { status: string } } };
}

describe("the gateway as a plain HTTP server", () => {
  it("serves a signed-in web SDK user through httpsCallableFromURL", async () => {
    const { data } = await infer()({ inputs: ["served without Cloud Functions"] });
    expect(data.outputs).toHaveLength(1);
    expect(data.quota.remaining).toBe(19);
  });

  it.each([
    ["no token", undefined],
    ["a garbage token", "not-a-jwt"],
    ["an alg:none token for the right project", `${Buffer.from('{"alg":"none"}').toString("base64url")}.${Buffer.from(JSON.stringify({ sub: "x", aud: PROJECT, iss: `https://securetoken.google.com/${PROJECT}` })).toString("base64url")}.`],
  ])("refuses %s with 401 UNAUTHENTICATED", async (_name, token) => {
    const { status, body } = await raw(token);
    expect(status).toBe(401);
    expect(body.error?.status).toBe("UNAUTHENTICATED");
  });

  it("refuses a revoked token and a disabled account", async () => {
    const token = await user.getIdToken();
    expect((await raw(token)).status).toBe(200);
    // Revocation is recorded in whole seconds and covers tokens issued before that second, so it
    // must fall in a later second than the token's sign-in.
    await new Promise((r) => setTimeout(r, 1100));
    await getAdminAuth().revokeRefreshTokens(user.uid);
    expect((await raw(token)).status).toBe(401);

    // The refresh token is revoked too: the user signs in again for a new ID token.
    await new Promise((r) => setTimeout(r, 1100));
    user = (await signInWithEmailAndPassword(getAuth(app), email, "e2e-password")).user;
    const fresh = await user.getIdToken();
    expect((await raw(fresh)).status).toBe(200);
    await getAdminAuth().updateUser(user.uid, { disabled: true });
    const err = await infer()({ inputs: ["x"] }).catch((e: FunctionsError) => e);
    expect((err as FunctionsError).code).toBe("functions/unauthenticated");
  });
});
