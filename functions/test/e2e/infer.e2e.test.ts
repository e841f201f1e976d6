/**
 * The whole path, as the extension sees it: the Firebase web SDK signs in against the Auth
 * emulator and calls `infer` through the Functions emulator, which charges quota in the Firestore
 * emulator and reaches the real inference server over HTTP with the shared secret.
 * Run by scripts/test.sh inside `firebase emulators:exec`.
 */
import { randomUUID } from "node:crypto";
import { deleteApp, initializeApp, type FirebaseApp } from "firebase/app";
import { connectAuthEmulator, createUserWithEmailAndPassword, getAuth, signOut, type Auth } from "firebase/auth";
import { connectFunctionsEmulator, getFunctions, httpsCallable, type FunctionsError } from "firebase/functions";
import { getApps as getAdminApps, initializeApp as initializeAdminApp } from "firebase-admin/app";
import { getFirestore, type Firestore } from "firebase-admin/firestore";
import type { InferResponse, QuotaStatus } from "../../src/core/schema";
import { SECRET_HEADER } from "../../src/core/upstream";
import { refusal as refused } from "../support/refusal";

const PROJECT = process.env.GCLOUD_PROJECT ?? "demo-gatekeeper";
const INFERENCE_URL = mustEnv("INFERENCE_URL");
const SECRET = mustEnv("E2E_INFERENCE_SECRET");

function mustEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the end-to-end tests through npm test`);
  return value;
}

type QuotaData = QuotaStatus;
type InferData = InferResponse;

let app: FirebaseApp;
let auth: Auth;
let db: Firestore;
let uid: string;
let infer: ReturnType<typeof httpsCallable<unknown, InferData>>;
let getQuota: ReturnType<typeof httpsCallable<unknown, QuotaData>>;

beforeAll(async () => {
  if (getAdminApps().length === 0) initializeAdminApp({ projectId: PROJECT });
  db = getFirestore();
  await db.doc("plans/free").set({ maxInFlight: 4, limits: { minute: { calls: 30 }, day: { calls: 50 } } });
  await db.doc("plans/e2e-tiny").set({ limits: { day: { calls: 2 } } });

  app = initializeApp({ projectId: PROJECT, apiKey: "demo-api-key" }, `e2e-${randomUUID()}`);
  auth = getAuth(app);
  connectAuthEmulator(auth, `http://${mustEnv("FIREBASE_AUTH_EMULATOR_HOST")}`, { disableWarnings: true });
  const functions = getFunctions(app);
  connectFunctionsEmulator(functions, "127.0.0.1", Number(new URL(mustEnv("FUNCTIONS_EMULATOR_ORIGIN")).port));
  infer = httpsCallable<unknown, InferData>(functions, "infer");
  getQuota = httpsCallable<unknown, QuotaData>(functions, "getQuota");
});

beforeEach(async () => {
  const cred = await createUserWithEmailAndPassword(auth, `user-${randomUUID()}@example.com`, "e2e-password");
  uid = cred.user.uid;
});

afterAll(async () => {
  await signOut(auth).catch(() => undefined);
  await deleteApp(app);
});

const refusal = (p: Promise<unknown>) => refused<FunctionsError>(p);

async function callInferenceDirectly(headers: Record<string, string>, inputs: string[]) {
  return fetch(`${INFERENCE_URL}/v1/infer`, {
    method: "POST",
    headers: { "Content-Type": "application/json", ...headers },
    body: JSON.stringify({ inputs }),
  });
}

describe("a signed-in user calling infer through the emulators", () => {
  it("gets the real model's answer, the same as the model gives directly, and is charged one call", async () => {
    const inputs = ["what a lovely day", "this is awful", "hmm"];
    const { data } = await infer({ inputs });
    expect(data.outputs).toHaveLength(3);
    expect(data.quota).toMatchObject({ planId: "free", remaining: 49, inFlight: 1, maxInFlight: 4 });
    expect(data.units).toBe(3);

    const direct = await callInferenceDirectly({ [SECRET_HEADER]: SECRET }, inputs);
    expect(direct.status).toBe(200);
    const body = (await direct.json()) as { outputs: { label: string; score: number }[]; model: string };
    expect(data.model).toBe(body.model);
    expect(data.outputs.map((o) => o.label)).toEqual(body.outputs.map((o) => o.label));
    data.outputs.forEach((o, i) => expect(o.score).toBeCloseTo(body.outputs[i]?.score ?? -1, 4));

    expect((await db.doc(`quotas/${uid}`).get()).get("windows.day.calls")).toBe(1);
    const usage = await db.collection(`quotas/${uid}/usage`).get();
    expect(usage.docs.map((d) => d.data())).toEqual([
      expect.objectContaining({ uid, status: "ok", outcome: "ok", inputs: 3, units: 3, model: body.model }),
    ]);

    const status = (await getQuota()).data;
    expect(status).toMatchObject({ planId: "free", remaining: 49, inFlight: 0 });
    expect(status.windows.find((w) => w.window === "day")).toMatchObject({ calls: { used: 1, limit: 50 }, units: { used: 3 } });
    expect(status.windows.find((w) => w.window === "minute")?.calls.limit).toBe(30);
  });

  it("runs out of quota with resource-exhausted and the seconds until it resets", async () => {
    await db.doc(`quotas/${uid}`).set({ planId: "e2e-tiny" });
    expect((await infer({ inputs: ["one"] })).data.quota.remaining).toBe(1);
    expect((await infer({ inputs: ["two"] })).data.quota.remaining).toBe(0);
    expect((await getQuota()).data.remaining).toBe(0);
    const err = await refusal(infer({ inputs: ["three"] }));
    expect(err.code).toBe("functions/resource-exhausted");
    const details = err.details as { retryAfterSeconds: number; limit: number; reason: string; window: string };
    expect(details).toMatchObject({ reason: "quota", window: "day", limit: 2 });
    expect(details.retryAfterSeconds).toBeGreaterThan(0);
    expect(details.retryAfterSeconds).toBeLessThanOrEqual(86_400);
    expect((await db.doc(`quotas/${uid}`).get()).get("windows.day.calls")).toBe(2);
    expect((await db.collection(`quotas/${uid}/usage`).get()).size).toBe(2);
  });

  it("gets a clear invalid-argument for a bad payload and is charged nothing", async () => {
    const err = await refusal(infer({ inputs: ["fine", 42] }));
    expect(err.code).toBe("functions/invalid-argument");
    expect(err.message).toMatch(/inputs\[1\]/);
    expect((await db.doc(`quotas/${uid}`).get()).exists).toBe(false);
  });

  it("retries with the same requestId are charged once and get the same answer", async () => {
    const first = await infer({ inputs: ["same call"], requestId: `e2e-${uid}` });
    const retry = await infer({ inputs: ["same call"], requestId: `e2e-${uid}` });
    expect(retry.data).toMatchObject({ replayed: true, outputs: first.data.outputs });
    expect((await db.doc(`quotas/${uid}`).get()).get("windows.day.calls")).toBe(1);
  });

  it("is refused with unauthenticated once signed out, by both callables", async () => {
    await signOut(auth);
    expect((await refusal(infer({ inputs: ["hello"] }))).code).toBe("functions/unauthenticated");
    expect((await refusal(getQuota())).code).toBe("functions/unauthenticated");
  });
});

describe("the inference server, called directly", () => {
  it.each([
    ["no secret", {}],
    ["a wrong secret", { [SECRET_HEADER]: "not-the-secret-but-long-enough" }],
    ["a prefix of the secret", { [SECRET_HEADER]: SECRET.slice(0, -1) }],
    ["the secret under another header", { Authorization: `Bearer ${SECRET}` }],
  ])("answers 401 to %s, without echoing anything secret", async (_name, headers) => {
    const res = await callInferenceDirectly(headers, ["hello"]);
    expect(res.status).toBe(401);
    expect(await res.text()).not.toContain(SECRET);
  });
});
