// A second gateway process for the cross-process exactness test: the compiled core (functions/lib)
// with the real Firestore store against the same emulator, and an in-process model. The parent
// sends { uid, calls, project }; the worker fires that many concurrent calls and reports the outcomes.
const path = require("node:path");
const lib = path.resolve(__dirname, "../../lib");
const { initializeApp } = require("firebase-admin/app");
const { getFirestore } = require("firebase-admin/firestore");
const { FirestoreQuotaStore } = require(`${lib}/core/firestoreQuotaStore`);
const { FirestoreGuard } = require(`${lib}/core/firestoreGuard`);
const { createInferHandler } = require(`${lib}/core/infer`);
const { MemoryLogger } = require(`${lib}/core/logger`);

process.on("message", async ({ uid, calls, project }) => {
  initializeApp({ projectId: project });
  const db = getFirestore();
  const logger = new MemoryLogger();
  let modelCalls = 0;
  const handler = createInferHandler({
    quota: new FirestoreQuotaStore(db, { defaultPlanId: "free", logger, planCacheMs: 60_000, slotTtlMs: 70_000, budgetShards: 4, nowMs: Date.now }),
    guard: new FirestoreGuard(db, { defaultDailyBudget: 1_000_000, refreshMs: 60_000, nowMs: Date.now, logger }),
    burst: { take: async () => undefined },
    inference: {
      infer: async (inputs) => {
        modelCalls++;
        return { outputs: inputs.map(() => ({ label: "positive", score: 0.5 })), model: "worker", model_version: "1" };
      },
    },
    logger,
    now: () => new Date(),
    monotonicMs: () => performance.now(),
    newCallId: () => require("node:crypto").randomUUID(),
  });
  const results = await Promise.allSettled(Array.from({ length: calls }, () => handler({ uid, data: { inputs: ["x"] } })));
  const codes = {};
  for (const r of results) {
    const key = r.status === "fulfilled" ? "ok" : `${r.reason.code}:${r.reason.details?.reason ?? ""}`;
    codes[key] = (codes[key] ?? 0) + 1;
  }
  // Refused transactions are rolled back in the background; let those RPCs finish before exiting,
  // or the emulator keeps their locks until it times them out.
  await new Promise((r) => setTimeout(r, 500));
  await db.terminate();
  process.send({ codes, modelCalls }, () => process.exit(0));
});
