/**
 * The deployed `infer` callable, wrapped by firebase-functions-test, against the real Firestore
 * emulator. The inference container is a programmable HTTP stub here so that failures can be
 * staged; the end-to-end suite covers the real container.
 */
import functionsTest from "firebase-functions-test";
import { getApps, initializeApp } from "firebase-admin/app";
import { type Firestore, getFirestore } from "firebase-admin/firestore";
import type { HttpsError } from "firebase-functions/v2/https";
import { SECRET_HEADER } from "../../src/core/upstream";
import { clearFirestore, firestoreHost } from "../support/emulator";
import { applyParamDefaults } from "../../src/config";
import { StubServer } from "../support/stubServer";
import { refusal } from "../support/refusal";

const PROJECT = "demo-gatekeeper-callable";
const SECRET = "callable-test-secret-0123456789";
const stub = new StubServer();
const fft = functionsTest({ projectId: PROJECT });
let db: Firestore;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
let wrapped: (request: any) => Promise<any>;

beforeAll(async () => {
  firestoreHost();
  process.env.GCLOUD_PROJECT = PROJECT;
  process.env.INFERENCE_URL = await stub.start();
  process.env.INFERENCE_SECRET = SECRET;
  process.env.INFERENCE_TIMEOUT_MS = "500";
  process.env.DEFAULT_PLAN_ID = "free";
  // Plans are re-read on every call here, since the tests change them between calls.
  process.env.CONFIG_CACHE_SECONDS = "0";
  process.env.BURST_CALLS = "1000";
  applyParamDefaults();
  if (getApps().length === 0) initializeApp({ projectId: PROJECT });
  db = getFirestore();
  const { infer } = await import("../../src/index");
  wrapped = fft.wrap(infer);
});

afterAll(async () => {
  fft.cleanup();
  await stub.stop();
});

beforeEach(async () => {
  await clearFirestore(PROJECT);
  stub.requests.length = 0;
  stub.behaviour = (await import("../support/stubServer")).answerLikeTheModel;
  await db.doc("plans/free").set({ maxInFlight: 100, limits: { day: { calls: 3 } } });
});

function call(uid: string | undefined, data: unknown) {
  return wrapped({ data, auth: uid ? { uid, token: {} } : undefined, rawRequest: {} });
}

const rejection = (p: Promise<unknown>) => refusal<HttpsError>(p);

async function usage(uid: string) {
  const snap = await db.collection(`quotas/${uid}/usage`).get();
  return snap.docs.map((d) => d.data());
}

describe("infer callable on the Firestore emulator", () => {
  it("charges the caller, forwards with the secret and writes one usage record", async () => {
    const res = await call("alice", { inputs: ["hello", "world"] });
    expect(res.outputs).toHaveLength(2);
    expect(res.quota).toMatchObject({ planId: "free", remaining: 2, inFlight: 1 });
    expect(res.units).toBe(2);
    expect(stub.requests).toHaveLength(1);
    expect(stub.requests[0]?.headers[SECRET_HEADER.toLowerCase()]).toBe(SECRET);
    expect((await db.doc("quotas/alice").get()).get("windows.day.calls")).toBe(1);
    const records = await usage("alice");
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ uid: "alice", status: "ok", outcome: "ok", units: 2, inputs: 2, model: "stub" });
  });

  it("refuses unauthenticated and malformed calls without touching Firestore or the model", async () => {
    expect((await rejection(call(undefined, { inputs: ["x"] }))).code).toBe("unauthenticated");
    const bad = await rejection(call("alice", { inputs: [""] }));
    expect(bad.code).toBe("invalid-argument");
    expect(bad.message).toMatch(/inputs\[0\]: must not be empty/);
    expect(stub.requests).toHaveLength(0);
    expect((await db.doc("quotas/alice").get()).exists).toBe(false);
  });

  it("refuses the call past the quota with retryAfterSeconds and does not reach the model", async () => {
    for (let i = 0; i < 3; i++) await call("alice", { inputs: ["x"] });
    const err = await rejection(call("alice", { inputs: ["x"] }));
    expect(err.code).toBe("resource-exhausted");
    const details = err.details as { retryAfterSeconds: number; limit: number; reason: string; window: string };
    expect(details).toMatchObject({ reason: "quota", window: "day", limit: 3 });
    expect(details.retryAfterSeconds).toBeGreaterThan(0);
    expect(details.retryAfterSeconds).toBeLessThanOrEqual(86_400);
    expect(stub.requests).toHaveLength(3);
  });

  it("admits exactly the remaining quota when many calls arrive at once", async () => {
    await db.doc("plans/free").set({ maxInFlight: 100, limits: { day: { calls: 10 } } });
    const results = await Promise.allSettled(Array.from({ length: 30 }, () => call("bob", { inputs: ["x"] })));
    const ok = results.filter((r) => r.status === "fulfilled").length;
    const codes = results.flatMap((r) => (r.status === "rejected" ? [(r.reason as HttpsError).code] : []));
    expect(ok).toBe(10);
    expect(new Set(codes)).toEqual(new Set(["resource-exhausted"]));
    expect(stub.requests).toHaveLength(10);
    expect((await db.doc("quotas/bob").get()).get("windows.day.calls")).toBe(10);
    expect(await usage("bob")).toHaveLength(10);
  });

  it.each([
    ["a 503", (res: import("node:http").ServerResponse) => { res.writeHead(503, { "Retry-After": "4" }); res.end(); }, "unavailable"],
    ["a 500", (res: import("node:http").ServerResponse) => { res.writeHead(500); res.end("boom"); }, "unavailable"],
    ["no answer in time", () => undefined, "deadline-exceeded"],
  ])("refunds the call when the model gives %s", async (_name, behaviour, code) => {
    await call("carol", { inputs: ["x"] });
    stub.behaviour = (_req, res) => behaviour(res);
    const err = await rejection(call("carol", { inputs: ["x"] }));
    expect(err.code).toBe(code);
    expect((await db.doc("quotas/carol").get()).get("windows.day.calls")).toBe(1);
    const records = await usage("carol");
    expect(records.map((r) => String(r.status)).sort()).toEqual(["ok", "refunded"]);
    expect(records.find((r) => r.status === "refunded")?.outcome).toMatch(/^upstream_(unavailable|timeout|error)$/);
  });

  it("uses the plan named in the user's quota document, and fails closed on a missing or malformed plan", async () => {
    await db.doc("plans/pro").set({ limits: { day: { calls: 100 } } });
    await db.doc("quotas/dave").set({ planId: "pro" });
    expect((await call("dave", { inputs: ["x"] })).quota).toMatchObject({ planId: "pro", remaining: 99 });

    await db.doc("quotas/erin").set({ planId: "does-not-exist" });
    expect((await rejection(call("erin", { inputs: ["x"] }))).code).toBe("failed-precondition");

    await db.doc("plans/broken").set({ limits: { day: { calls: "lots" } } });
    await db.doc("quotas/frank").set({ planId: "broken" });
    expect((await rejection(call("frank", { inputs: ["x"] }))).code).toBe("failed-precondition");

    await db.doc("plans/bad-default").set({ limits: { day: { calls: -1 } } });
    await db.doc("quotas/gina").set({ planId: "bad-default" });
    expect((await rejection(call("gina", { inputs: ["x"] }))).code).toBe("failed-precondition");
    expect(stub.requests).toHaveLength(1);
  });

  it("refuses banned users and plans without model access", async () => {
    await db.doc("quotas/mallory").set({ banned: true });
    expect((await rejection(call("mallory", { inputs: ["x"] }))).code).toBe("permission-denied");
    await db.doc("plans/none").set({ modelAccess: false, limits: { day: { calls: 10 } } });
    await db.doc("quotas/nina").set({ planId: "none" });
    expect((await rejection(call("nina", { inputs: ["x"] }))).code).toBe("permission-denied");
    expect(stub.requests).toHaveLength(0);
  });
});
