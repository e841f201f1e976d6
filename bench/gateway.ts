/**
 * Gateway benchmark, run on demand by bench/gateway.sh (not a test): what the gateway adds to a model
 * call, what a refused call costs, how many Firestore operations each kind of call sends, and how
 * long the pieces take to start. Every figure is compared with a baseline measured in the same run,
 * interleaved, because these machines are shared and noisy.
 *
 * Needs FIRESTORE_EMULATOR_HOST, INFERENCE_URL and INFERENCE_SECRET (bench/gateway.sh sets them).
 * Writes bench/results/gateway.json, bench/results/coldstart.json and the raw samples for the chart.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { getApps, initializeApp } from "firebase-admin/app";
import { getFirestore } from "firebase-admin/firestore";
import { MemoryBurstLimiter } from "../functions/src/core/burst";
import { FirestoreGuard } from "../functions/src/core/firestoreGuard";
import { FirestoreQuotaStore } from "../functions/src/core/firestoreQuotaStore";
import { createInferHandler } from "../functions/src/core/infer";
import { MemoryLogger } from "../functions/src/core/logger";
import { HttpInferenceClient, SECRET_HEADER } from "../functions/src/core/upstream";
import { countOps, type OpCounts } from "../functions/test/support/firestoreOps";

// Compiled to bench/.build/bench/gateway.js: the repository root is three levels up.
const ROOT = resolve(__dirname, "../../..");
const RESULTS = resolve(ROOT, "bench/results");
const PROJECT = "demo-gatekeeper-bench";
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 300);
const WARMUP = 30;
const REFUSED = Number(process.env.BENCH_REFUSED ?? 20000);
const INPUTS = ["The gateway benchmark sends this sentence to the model."];

function env(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set; run bench/gateway.sh`);
  return v;
}

function pct(samples: number[], p: number): number {
  const s = [...samples].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
}

const summary = (s: number[]) => ({ p50: pct(s, 50), p95: pct(s, 95), p99: pct(s, 99), mean: s.reduce((a, b) => a + b, 0) / s.length });
const round = (x: number, d = 3) => Number(x.toFixed(d));
const perCall = (c: OpCounts, n: number) =>
  Object.fromEntries(Object.entries(c).map(([k, v]) => [k, round(v / n, 3)])) as Record<keyof OpCounts, number>;

async function time<T>(fn: () => Promise<T>): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

async function main(): Promise<void> {
  const url = env("INFERENCE_URL");
  const secret = env("INFERENCE_SECRET");
  env("FIRESTORE_EMULATOR_HOST");
  if (getApps().length === 0) initializeApp({ projectId: PROJECT });
  const db = getFirestore();
  await fetch(`http://${process.env.FIRESTORE_EMULATOR_HOST}/emulator/v1/projects/${PROJECT}/databases/(default)/documents`, { method: "DELETE" });
  await db.doc("plans/free").set({ maxInFlight: 10, limits: { day: { calls: 10_000_000 } } });

  const logger = new MemoryLogger();
  const inference = new HttpInferenceClient({ baseUrl: url, secret, timeoutMs: 10_000, logger });
  const build = (burst: MemoryBurstLimiter) =>
    createInferHandler({
      quota: new FirestoreQuotaStore(db, { defaultPlanId: "free", logger, planCacheMs: 60_000, slotTtlMs: 70_000, budgetShards: 10, nowMs: Date.now }),
      guard: new FirestoreGuard(db, { defaultDailyBudget: 100_000_000, refreshMs: 60_000, nowMs: Date.now, logger }),
      burst,
      inference,
      logger,
      now: () => new Date(),
      monotonicMs: () => performance.now(),
      newCallId: () => `b-${performance.now()}-${Math.random()}`,
    });
  const gateway = build(new MemoryBurstLimiter(1_000_000_000, 3600));
  const direct = () =>
    fetch(`${url}/v1/infer`, {
      method: "POST",
      headers: { "Content-Type": "application/json", [SECRET_HEADER]: secret },
      body: JSON.stringify({ inputs: INPUTS }),
    }).then(async (r) => {
      if (r.status !== 200) throw new Error(`direct call answered ${r.status}`);
      await r.json();
    });
  const txnRef = db.doc("bench/txn");
  const bareTransaction = () =>
    db.runTransaction(async (tx) => {
      const snap = await tx.get(txnRef);
      tx.set(txnRef, { n: (snap.get("n") ?? 0) + 1 });
    });

  // 1. Overhead: direct, through the gateway, and one bare transaction, interleaved round by round.
  const samples = { direct: [] as number[], gateway: [] as number[], txn: [] as number[] };
  for (let i = 0; i < WARMUP; i++) {
    await direct();
    await gateway({ uid: "bench", data: { inputs: INPUTS } });
    await bareTransaction();
  }
  const ops = countOps(db);
  let admittedOps: OpCounts = ops.reset();
  for (let i = 0; i < ROUNDS; i++) {
    samples.direct.push(await time(direct));
    ops.reset();
    samples.gateway.push(await time(() => gateway({ uid: "bench", data: { inputs: INPUTS } })));
    const c = ops.reset();
    admittedOps = Object.fromEntries(Object.entries(admittedOps).map(([k, v]) => [k, v + c[k as keyof OpCounts]])) as OpCounts;
    samples.txn.push(await time(bareTransaction));
  }
  ops.reset();

  // 2. Rejection cost: one user past a burst limit of 1, so every call is refused in memory.
  const refusing = build(new MemoryBurstLimiter(1, 3600));
  await refusing({ uid: "flood", data: { inputs: INPUTS } });
  ops.reset();
  const tRefused = performance.now();
  for (let i = 0; i < REFUSED; i++) {
    try {
      await refusing({ uid: "flood", data: { inputs: INPUTS } });
      throw new Error("a call past the burst limit was admitted");
    } catch (err) {
      if ((err as { details?: { reason?: string } }).details?.reason !== "burst") throw err;
    }
  }
  const refusedMs = (performance.now() - tRefused) / REFUSED;
  const refusedOps = ops.reset();
  ops.restore();

  const d = summary(samples.direct);
  const g = summary(samples.gateway);
  const t = summary(samples.txn);
  const admittedMs = g.mean;
  const gatewayResult = {
    rounds: ROUNDS,
    direct_ms: mapRound(d),
    gateway_ms: mapRound(g),
    floor_txn_ms: mapRound(t),
    overhead_p50_ms: round(g.p50 - d.p50),
    overhead_p95_ms: round(g.p95 - d.p95),
    overhead_p99_ms: round(g.p99 - d.p99),
    floor_txn_p50_ms: round(t.p50),
    overhead_ratio: round((g.p50 - d.p50) / t.p50),
    admitted_calls_per_s: round(1000 / admittedMs, 1),
    refused_calls_per_s: round(1000 / refusedMs, 0),
    rejection_cost_ratio: round(admittedMs / refusedMs, 1),
    firestore_ops_per_admitted: perCall(admittedOps, ROUNDS),
    firestore_ops_per_rejected: perCall(refusedOps, REFUSED),
    measured_at: new Date().toISOString(),
    machine: `${process.platform} ${process.arch}, node ${process.version}`,
  };

  // 3. Cold start: requiring the functions module (what every new instance pays), against bare node.
  const lib = resolve(ROOT, "functions/lib");
  const nodeMs = (code: string) => {
    const t0 = performance.now();
    execFileSync(process.execPath, ["-e", code], { cwd: ROOT, env: { ...process.env, FIRESTORE_EMULATOR_HOST: "" } });
    return performance.now() - t0;
  };
  const median = (xs: number[]) => pct(xs, 50);
  const runs = 7;
  const bare = median(Array.from({ length: runs }, () => nodeMs("0")));
  const index = median(Array.from({ length: runs }, () => nodeMs(`require(${JSON.stringify(`${lib}/index.js`)})`)));
  const eager = median(Array.from({ length: runs }, () => nodeMs(`require(${JSON.stringify(`${lib}/index.js`)});require(${JSON.stringify(`${lib}/deps.js`)})`)));
  const coldstart = {
    functions_import_ms: round(index - bare, 1),
    functions_import_with_deps_ms: round(eager - bare, 1),
    bare_node_ms: round(bare, 1),
    inference_ready_s: Number(process.env.INFERENCE_READY_S ?? NaN),
    runs,
  };

  mkdirSync(RESULTS, { recursive: true });
  writeFileSync(resolve(RESULTS, "gateway.json"), `${JSON.stringify(gatewayResult, null, 2)}\n`);
  writeFileSync(resolve(RESULTS, "coldstart.json"), `${JSON.stringify(coldstart, null, 2)}\n`);
  writeFileSync(resolve(RESULTS, "gateway-samples.json"), `${JSON.stringify(samples)}\n`);

  const row = (name: string, s: ReturnType<typeof summary>) =>
    `${name.padEnd(34)} ${[s.p50, s.p95, s.p99].map((x) => x.toFixed(2).padStart(8)).join(" ")}`;
  console.log(`\nGateway overhead (${ROUNDS} sequential calls each, interleaved; ms)`);
  console.log(`${"".padEnd(34)} ${["p50", "p95", "p99"].map((x) => x.padStart(8)).join(" ")}`);
  console.log(row("model server, direct", d));
  console.log(row("through the gateway core", g));
  console.log(row("one bare Firestore transaction", t));
  console.log(`${"overhead (gateway - direct)".padEnd(34)} ${[g.p50 - d.p50, g.p95 - d.p95, g.p99 - d.p99].map((x) => x.toFixed(2).padStart(8)).join(" ")}`);
  console.log(`\n  overhead p50 / transaction p50 = ${gatewayResult.overhead_ratio}   (goal <= 2)`);
  console.log(`  admitted ${gatewayResult.admitted_calls_per_s} calls/s, refused by the burst limiter ${gatewayResult.refused_calls_per_s} calls/s`);
  console.log(`  rejection cost ratio = ${gatewayResult.rejection_cost_ratio}   (goal >= 20)`);
  console.log(`  Firestore ops per admitted call: ${JSON.stringify(gatewayResult.firestore_ops_per_admitted)}`);
  console.log(`  Firestore ops per refused call:  ${JSON.stringify(gatewayResult.firestore_ops_per_rejected)}`);
  console.log(`\nCold start: functions module ${coldstart.functions_import_ms} ms (with its lazily loaded dependencies: ${coldstart.functions_import_with_deps_ms} ms) over bare node ${coldstart.bare_node_ms} ms; inference server ready in ${coldstart.inference_ready_s} s`);
  process.exit(0);
}

function mapRound(s: ReturnType<typeof summary>) {
  return { p50: round(s.p50), p95: round(s.p95), p99: round(s.p99), mean: round(s.mean) };
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
