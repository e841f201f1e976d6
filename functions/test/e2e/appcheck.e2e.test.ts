/**
 * App Check through the Functions emulator. scripts/test.sh runs this file twice: once with the
 * default params (enforcement off) and once on a project whose `functions/.env.<project>` sets
 * ENFORCE_APP_CHECK=true (EXPECT_APP_CHECK=true). The emulator does not verify App Check
 * signatures (as with ID tokens), so this proves the param reaches the callable's options and a
 * request without a token is refused before the handler runs; signature checks are Google's.
 */
import { randomUUID } from "node:crypto";
import { deleteApp, initializeApp } from "firebase/app";
import { connectAuthEmulator, createUserWithEmailAndPassword, getAuth } from "firebase/auth";
import { getApps as getAdminApps, initializeApp as initializeAdminApp } from "firebase-admin/app";
import { getFirestore } from "firebase-admin/firestore";

const PROJECT = process.env.GCLOUD_PROJECT ?? "demo-gatekeeper";
const enforced = process.env.EXPECT_APP_CHECK === "true";
const origin = process.env.FUNCTIONS_EMULATOR_ORIGIN ?? "http://127.0.0.1:5001";

/** An unsigned token in App Check's JWT shape, accepted only where signatures are not checked. */
function fakeAppCheckToken(): string {
  const part = (o: object) => Buffer.from(JSON.stringify(o)).toString("base64url");
  const now = Math.floor(Date.now() / 1000);
  return `${part({ alg: "RS256", typ: "JWT" })}.${part({ sub: "1:123:web:abc", iat: now, exp: now + 3600 })}.c2ln`;
}

let idToken: string;
// Its own plan, so the gateway's per-instance plan cache never mixes it with other suites' plans.
const PLAN = "appcheck-e2e";
const app = initializeApp({ projectId: PROJECT, apiKey: "demo-api-key" }, `appcheck-${randomUUID()}`);

beforeAll(async () => {
  if (getAdminApps().length === 0) initializeAdminApp({ projectId: PROJECT });
  const db = getFirestore();
  await db.doc(`plans/${PLAN}`).set({ limits: { day: { calls: 50 } } });
  const auth = getAuth(app);
  connectAuthEmulator(auth, `http://${process.env.FIREBASE_AUTH_EMULATOR_HOST}`, { disableWarnings: true });
  const cred = await createUserWithEmailAndPassword(auth, `appcheck-${randomUUID()}@example.com`, "e2e-password");
  await db.doc(`quotas/${cred.user.uid}`).set({ planId: PLAN });
  idToken = await cred.user.getIdToken();
});

afterAll(() => deleteApp(app));

/** Calls `getQuota` over the callable protocol, with or without an App Check token. */
async function callGetQuota(appCheck: string | undefined) {
  const res = await fetch(`${origin}/${PROJECT}/us-central1/getQuota`, {
    method: "POST",
    headers: {
      "Content-Type": "application/json",
      Authorization: `Bearer ${idToken}`,
      ...(appCheck ? { "X-Firebase-AppCheck": appCheck } : {}),
    },
    body: JSON.stringify({ data: null }),
  });
  return { status: res.status, body: (await res.json()) as { result?: unknown; error?: { status: string } } };
}

describe(`App Check ${enforced ? "enforced" : "not enforced"}`, () => {
  it("answers a call that carries an App Check token", async () => {
    const { status, body } = await callGetQuota(fakeAppCheckToken());
    expect(status).toBe(200);
    expect(body.result).toMatchObject({ planId: PLAN });
  });

  it(enforced ? "refuses a call without an App Check token" : "answers a call without an App Check token", async () => {
    const { status, body } = await callGetQuota(undefined);
    if (enforced) {
      expect(status).toBe(401);
      expect(body.error?.status).toBe("UNAUTHENTICATED");
    } else {
      expect(status).toBe(200);
      expect(body.result).toMatchObject({ planId: PLAN });
    }
  });
});
