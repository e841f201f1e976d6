/**
 * The auth matrix where verification really runs: createGatewayServer + adminTokenVerifier(true)
 * (verifyIdToken with checkRevoked) against the Auth emulator, the model a counting stub. Each
 * refused caller gets 401 UNAUTHENTICATED and the model counts zero calls. In emulator mode the
 * Admin SDK skips signatures by design (see signatures.emulator.test.ts for those); what is proven
 * here is the rest: expiry, audience, deleted, disabled and revoked users, unknown uids.
 * Anonymous users are signed-in users: they are served under their quota document's plan (the default plan
 * when none names one; the decision is
 * documented in docs/reliability.md), which this file pins down.
 */
import type { AddressInfo } from "node:net";
import { randomUUID } from "node:crypto";
import type http from "node:http";
import { deleteApp, initializeApp, type FirebaseApp } from "firebase/app";
import { connectAuthEmulator, createUserWithEmailAndPassword, getAuth, signInAnonymously } from "firebase/auth";
import { getApps as getAdminApps, initializeApp as initializeAdminApp } from "firebase-admin/app";
import { getAuth as getAdminAuth } from "firebase-admin/auth";
import { getFirestore } from "firebase-admin/firestore";
import { MemoryLogger } from "../../../src/core/logger";
import { adminTokenVerifier, createGatewayServer } from "../../../src/server";
import { buildCore } from "../../support/adversarial";
import { StubServer } from "../../support/stubServer";

const PROJECT = process.env.GCLOUD_PROJECT ?? "demo-gatekeeper";
const PLAN = `adv-auth-${randomUUID().slice(0, 8)}`;
const model = new StubServer();
let server: http.Server;
let base: string;
const apps: FirebaseApp[] = [];

function clientAuth(projectId = PROJECT) {
  const app = initializeApp({ projectId, apiKey: "demo-api-key" }, `adv-auth-${randomUUID()}`);
  apps.push(app);
  const auth = getAuth(app);
  connectAuthEmulator(auth, `http://${process.env.FIREBASE_AUTH_EMULATOR_HOST}`, { disableWarnings: true });
  return auth;
}

async function newUser(projectId = PROJECT) {
  const { user } = await createUserWithEmailAndPassword(clientAuth(projectId), `adv-${randomUUID()}@example.com`, "adv-password");
  if (projectId === PROJECT) await getFirestore().doc(`quotas/${user.uid}`).set({ planId: PLAN });
  return user;
}

beforeAll(async () => {
  if (getAdminApps().length === 0) initializeAdminApp({ projectId: PROJECT });
  await getFirestore().doc(`plans/${PLAN}`).set({ maxInFlight: 4, limits: { day: { calls: 50 } } });
  const core = buildCore(getFirestore(), { inferenceUrl: await model.start() });
  server = createGatewayServer({ gateway: { infer: core.infer, getQuota: core.getQuota }, verifier: adminTokenVerifier(true), logger: new MemoryLogger() });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((r) => server.close(r));
  await model.stop();
  await Promise.all(apps.map((a) => deleteApp(a)));
});

async function call(authorization: string | undefined) {
  const res = await fetch(`${base}/infer`, {
    method: "POST",
    headers: { "Content-Type": "application/json", ...(authorization === undefined ? {} : { Authorization: authorization }) },
    body: JSON.stringify({ data: { inputs: ["auth matrix"] } }),
  });
  return { status: res.status, code: ((await res.json()) as { error?: { status: string } }).error?.status ?? "OK" };
}

const unsigned = (payload: object) => `${Buffer.from('{"alg":"none","typ":"JWT"}').toString("base64url")}.${Buffer.from(JSON.stringify(payload)).toString("base64url")}.`;
const now = () => Math.floor(Date.now() / 1000);
const claims = (extra: object) => ({ iss: `https://securetoken.google.com/${PROJECT}`, aud: PROJECT, iat: now() - 5, exp: now() + 3600, auth_time: now() - 5, sub: "nobody", ...extra });

describe("the auth matrix against the Auth emulator (checkRevoked on)", () => {
  const refused: [string, () => Promise<string | undefined>][] = [
    ["no Authorization header", async () => undefined],
    ["an empty bearer", async () => "Bearer "],
    ["a Basic header", async () => `Basic ${Buffer.from("a:b").toString("base64")}`],
    ["two tokens", async () => `Bearer ${await (await newUser()).getIdToken()} extra`],
    ["garbage", async () => "Bearer garbage"],
    ["an unsigned token for a uid that does not exist", async () => `Bearer ${unsigned(claims({ sub: `ghost-${randomUUID()}` }))}`],
    ["an expired token of a real user", async () => `Bearer ${unsigned(claims({ sub: (await newUser()).uid, iat: now() - 7200, exp: now() - 3600 }))}`],
    // The Auth emulator issues every token for its own project whatever the client asks, so the
    // foreign token is built: a real user's claims with another project's audience and issuer.
    ["another project's token for a real user", async () => `Bearer ${unsigned(claims({ sub: (await newUser()).uid, aud: "demo-adv-other-project", iss: "https://securetoken.google.com/demo-adv-other-project" }))}`],
    ["a deleted user's token", async () => {
      const user = await newUser();
      const token = await user.getIdToken();
      await getAdminAuth().deleteUser(user.uid);
      return `Bearer ${token}`;
    }],
    ["a disabled user's token", async () => {
      const user = await newUser();
      const token = await user.getIdToken();
      await getAdminAuth().updateUser(user.uid, { disabled: true });
      return `Bearer ${token}`;
    }],
    ["a revoked token", async () => {
      const user = await newUser();
      const token = await user.getIdToken();
      // Revocation is recorded in whole seconds and covers tokens issued before that second.
      await new Promise((r) => setTimeout(r, 1100));
      await getAdminAuth().revokeRefreshTokens(user.uid);
      return `Bearer ${token}`;
    }],
  ];

  it.each(refused)("refuses %s with 401 and the model is not called", async (_name, make) => {
    const header = await make();
    const before = model.requests.length;
    expect(await call(header)).toEqual({ status: 401, code: "UNAUTHENTICATED" });
    expect(model.requests.length).toBe(before);
  });

  it("serves a signed-in user (the control)", async () => {
    const before = model.requests.length;
    expect(await call(`Bearer ${await (await newUser()).getIdToken()}`)).toEqual({ status: 200, code: "OK" });
    expect(model.requests.length).toBe(before + 1);
  });

  it("serves an anonymous user like any signed-in user, charged to its own quota", async () => {
    const { user } = await signInAnonymously(clientAuth());
    // Its plan, as an admin would set it (other e2e files own plans/free, the default plan).
    await getFirestore().doc(`quotas/${user.uid}`).set({ planId: PLAN });
    const result = await call(`Bearer ${await user.getIdToken()}`);
    expect(result).toEqual({ status: 200, code: "OK" });
    const quota = (await getFirestore().doc(`quotas/${user.uid}`).get()).data();
    expect(quota?.windows?.day?.calls).toBe(1);
  });
});
