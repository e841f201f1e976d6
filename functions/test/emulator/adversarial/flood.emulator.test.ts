/**
 * A flood: one signed-in user sends 10,000 calls at concurrency 64 to the gateway served over HTTP
 * on 127.0.0.1 (createGatewayServer around the core, the real Firestore store, burst limiter and
 * HTTP model client). The model sees at most that user's quota, calls refused by the burst limiter
 * cost no Firestore operation, and a second user is served meanwhile. Token verification is a
 * fixed table here (the auth matrix tests it for real); what is measured is the gateway behind it.
 */
import type { AddressInfo } from "node:net";
import type http from "node:http";
import { deleteApp, initializeApp, type App } from "firebase-admin/app";
import { type Firestore, getFirestore } from "firebase-admin/firestore";
import { MemoryBurstLimiter } from "../../../src/core/burst";
import { MemoryLogger } from "../../../src/core/logger";
import { createGatewayServer } from "../../../src/server";
import { buildCore, ledger } from "../../support/adversarial";
import { clearFirestore } from "../../support/emulator";
import { countOps } from "../../support/firestoreOps";
import { StubServer } from "../../support/stubServer";

const PROJECT = "demo-adv-flood";
const FLOOD_CALLS = 10_000;
const CONCURRENCY = 64;
const QUOTA = 25;
const BURST = 60; // per 60 s: the flood passes the burst limiter 60 times, the quota admits 25 of those
const TIME_LIMIT_MS = 45_000;
let app: App;
let db: Firestore;
const model = new StubServer();
let server: http.Server;
let base: string;

jest.setTimeout(90_000);

beforeAll(async () => {
  app = initializeApp({ projectId: PROJECT }, "flood");
  db = getFirestore(app);
  await clearFirestore(PROJECT);
  await db.doc("plans/free").set({ maxInFlight: CONCURRENCY, limits: { day: { calls: QUOTA } } });
  await db.doc("plans/steady").set({ maxInFlight: 4, limits: { day: { calls: 1000 } } });
  await db.doc("quotas/steady-user").set({ planId: "steady" });
  // Plans and config cached for the whole run, as in production (CONFIG_CACHE_SECONDS).
  const core = buildCore(db, { inferenceUrl: await model.start(), burst: new MemoryBurstLimiter(BURST, 60), cacheMs: 120_000 });
  const tokens: Record<string, string> = { "flood-token": "flooder", "steady-token": "steady-user" };
  server = createGatewayServer({
    gateway: { infer: core.infer, getQuota: core.getQuota },
    verifier: { verify: async (t) => tokens[t] ?? Promise.reject(new Error("unknown token")) },
    logger: new MemoryLogger(),
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  await model.stop();
  await deleteApp(app);
});

async function post(token: string, text: string): Promise<string> {
  const res = await fetch(`${base}/infer`, {
    method: "POST",
    headers: { "Content-Type": "application/json", Authorization: `Bearer ${token}` },
    body: JSON.stringify({ data: { inputs: [text] } }),
  });
  const body = (await res.json()) as { error?: { status: string; details?: { reason?: string } } };
  return body.error ? `${body.error.status}:${body.error.details?.reason ?? ""}` : "OK";
}

describe("a flood from one user", () => {
  it(`${FLOOD_CALLS} calls at concurrency ${CONCURRENCY}: the model sees at most the quota, burst refusals cost nothing, another user is served`, async () => {
    // Warm the caches (plans, config, budget) so that what is counted below is per call.
    expect(await post("steady-token", "warm-up")).toBe("OK");
    const ops = countOps(db);
    const modelBefore = model.requests.length;
    const started = Date.now();
    const deadline = started + TIME_LIMIT_MS;
    const codes: Record<string, number> = {};
    let sent = 0;
    let flooding = true;

    const worker = async () => {
      while (sent < FLOOD_CALLS && Date.now() < deadline) {
        sent++;
        const code = await post("flood-token", "flood");
        codes[code] = (codes[code] ?? 0) + 1;
      }
    };
    const steadyLatencies: number[] = [];
    const steadyCodes: Record<string, number> = {};
    const steady = async () => {
      for (let i = 0; i < 40 && flooding && Date.now() < deadline; i++) {
        const t = performance.now();
        const code = await post("steady-token", `steady ${i}`);
        steadyLatencies.push(performance.now() - t);
        steadyCodes[code] = (steadyCodes[code] ?? 0) + 1;
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    const steadyDone = steady();
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    flooding = false;
    await steadyDone;
    const elapsedMs = Date.now() - started;
    const counted = { ...ops.counts };
    ops.restore();

    const burstRefused = codes["RESOURCE_EXHAUSTED:burst"] ?? 0;
    const quotaRefused = codes["RESOURCE_EXHAUSTED:quota"] ?? 0;
    const admitted = codes.OK ?? 0;
    const steadyServed = steadyCodes.OK ?? 0;
    const sorted = [...steadyLatencies].sort((a, b) => a - b);
    const figures = {
      sent, elapsedMs, codes, admitted, quotaRefused, burstRefused,
      modelCalls: model.requests.length - modelBefore, firestore: counted,
      steady: { calls: steadyLatencies.length, served: steadyServed, p50Ms: Math.round(sorted[Math.floor(sorted.length / 2)] ?? 0), maxMs: Math.round(sorted[sorted.length - 1] ?? 0) },
    };
    process.stdout.write(`flood figures: ${JSON.stringify(figures)}\n`);

    expect(sent).toBe(FLOOD_CALLS);
    expect(admitted).toBe(QUOTA);
    expect(admitted + quotaRefused + burstRefused).toBe(FLOOD_CALLS);
    expect(admitted + quotaRefused).toBe(BURST);
    // The model saw the flooder's quota and the steady user's calls, nothing more.
    expect(model.requests.length - modelBefore).toBe(QUOTA + steadyServed);
    // Firestore: one read per call that passed the burst limiter (admitted or refused by the quota),
    // six writes per admitted call, plus one read of the flooder's plan into the cache; the 9,940
    // burst refusals add nothing.
    const passedBurst = admitted + quotaRefused + steadyLatencies.length;
    expect(counted.reads).toBe(passedBurst + 1);
    expect(counted.queries).toBe(0);
    expect(counted.writes).toBe(6 * (admitted + steadyServed));
    // The second user is served throughout, in reasonable time.
    expect(steadyLatencies.length).toBeGreaterThanOrEqual(5);
    expect(steadyServed).toBe(steadyLatencies.length);
    expect(sorted[Math.floor(sorted.length / 2)]).toBeLessThan(1_000);
    const flooder = await ledger(db, "flooder");
    expect(flooder).toMatchObject({ dayCalls: QUOTA, records: QUOTA, inFlight: 0, byStatus: { ok: QUOTA } });
    expect(await ledger(db, "steady-user")).toMatchObject({ records: steadyServed + 1, byStatus: { ok: steadyServed + 1 } });
  });
});
