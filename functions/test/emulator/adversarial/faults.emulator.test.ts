/**
 * The model misbehaves in every way we could think of, behind the real Firestore store: the caller
 * gets the documented code, the quota is refunded, each admitted call leaves exactly one usage
 * record (refunded, with why), and the gateway serves again as soon as the model does.
 */
import type http from "node:http";
import { deleteApp, initializeApp, type App } from "firebase-admin/app";
import { type Firestore, getFirestore } from "firebase-admin/firestore";
import { buildCore, ledger, outcomes } from "../../support/adversarial";
import { clearFirestore } from "../../support/emulator";
import { freePort } from "../../support/firestoreJar";
import { answerLikeTheModel, type StubBehaviour, StubServer } from "../../support/stubServer";

const PROJECT = "demo-adv-faults";
const CALLS_PER_FAULT = 4;
let app: App;
let db: Firestore;
const model = new StubServer();
let modelUrl: string;
const held: http.ServerResponse[] = [];

beforeAll(async () => {
  app = initializeApp({ projectId: PROJECT }, "faults");
  db = getFirestore(app);
  await clearFirestore(PROJECT);
  await db.doc("plans/free").set({ maxInFlight: 8, limits: { day: { calls: 1000 } } });
  modelUrl = await model.start();
});

afterAll(async () => {
  for (const res of held) res.destroy();
  await model.stop();
  await deleteApp(app);
});

const json = (status: number, body: unknown, headers: Record<string, string> = {}): StubBehaviour => (_req, res) => {
  res.writeHead(status, { "Content-Type": "application/json", ...headers });
  res.end(JSON.stringify(body));
};

interface Fault {
  name: string;
  behaviour?: StubBehaviour;
  /** The model's address is a closed port instead of the stub. */
  down?: boolean;
  code: string;
  outcome: string;
  /** Requests the model may see per call (503 is retried). */
  attemptsPerCall: number;
}

const faults: Fault[] = [
  { name: "model server down (connection refused)", down: true, code: "unavailable:upstream_unavailable", outcome: "upstream_unavailable", attemptsPerCall: 0 },
  {
    name: "slower than the deadline (never answers)",
    behaviour: (_req, res) => held.push(res),
    code: "deadline-exceeded:upstream_timeout",
    outcome: "upstream_timeout",
    attemptsPerCall: 1,
  },
  { name: "500", behaviour: json(500, { detail: "Traceback ... secret" }), code: "unavailable:upstream_error", outcome: "upstream_error", attemptsPerCall: 1 },
  {
    name: "503 with Retry-After (retried within the deadline, then given up)",
    behaviour: json(503, { detail: "overloaded" }, { "Retry-After": "1" }),
    code: "unavailable:upstream_unavailable",
    outcome: "upstream_unavailable",
    attemptsPerCall: 3, // maxAttempts: the container refused each without computing
  },
  {
    name: "malformed JSON",
    behaviour: (_req, res) => {
      res.writeHead(200, { "Content-Type": "application/json" });
      res.end('{"outputs": [{"label": "positive", "score": 0.9}');
    },
    code: "internal:upstream_error",
    outcome: "upstream_error",
    attemptsPerCall: 1,
  },
  {
    name: "a valid answer of the wrong shape (one output missing)",
    behaviour: json(200, { outputs: [], model: "m", model_version: "1" }),
    code: "internal:upstream_error",
    outcome: "upstream_error",
    attemptsPerCall: 1,
  },
  {
    name: "oversized response (2 MB)",
    behaviour: (req, res) => {
      const { inputs } = JSON.parse(req.body) as { inputs: string[] };
      res.writeHead(200, { "Content-Type": "application/json" });
      res.end(JSON.stringify({ outputs: inputs.map(() => ({ label: "x".repeat(2_000_000), score: 0.5 })), model: "m", model_version: "1" }));
    },
    code: "internal:upstream_error",
    outcome: "upstream_error",
    attemptsPerCall: 1,
  },
  {
    name: "connection reset mid-body",
    behaviour: (_req, res) => {
      res.writeHead(200, { "Content-Type": "application/json", "Content-Length": "1000" });
      res.write('{"outputs": [{"label": "pos');
      setImmediate(() => res.socket?.resetAndDestroy());
    },
    // An answer cut off after the headers is an unreadable answer (the model may have run): not retried.
    code: "internal:upstream_error",
    outcome: "upstream_error",
    attemptsPerCall: 1,
  },
];

describe.each(faults)("the model fails: $name", (fault) => {
  it("gives the documented code, refunds every call, keeps one record per call, then serves again", async () => {
    const uid = `fault-${faults.indexOf(fault)}`;
    const url = fault.down ? `http://127.0.0.1:${await freePort()}` : modelUrl;
    // A short deadline so "slower than the deadline" is quick; 503's Retry-After: 1 fits one retry.
    const core = buildCore(db, { inferenceUrl: url, timeoutMs: 1_500, deadlineMs: 2_500, retry: { maxAttempts: 3, minAttemptMs: 200 } });
    model.behaviour = fault.behaviour ?? answerLikeTheModel;
    const before = model.requests.length;

    const results = await outcomes(Array.from({ length: CALLS_PER_FAULT }, (_, i) => core.infer({ uid, data: { inputs: [`fault ${i}`] } })));

    expect(results).toEqual({ [fault.code]: CALLS_PER_FAULT });
    expect(model.requests.length - before).toBeLessThanOrEqual(CALLS_PER_FAULT * fault.attemptsPerCall);
    const after = await ledger(db, uid);
    expect(after).toMatchObject({
      dayCalls: 0,
      inFlight: 0,
      records: CALLS_PER_FAULT,
      byStatus: { refunded: CALLS_PER_FAULT },
      byOutcome: { [fault.outcome]: CALLS_PER_FAULT },
      rollup: { calls: 0, refunded: CALLS_PER_FAULT },
    });
    // Nothing of the model's own text reaches the caller or the log.
    expect(core.logger.text()).not.toMatch(/Traceback|secret|adversarial-secret/);

    // The fault ends: the same gateway serves the same user again, charged once per call.
    const healthy = fault.down ? buildCore(db, { inferenceUrl: modelUrl }) : core;
    model.behaviour = answerLikeTheModel;
    expect(await outcomes([healthy.infer({ uid, data: { inputs: ["back"] } })])).toEqual({ ok: 1 });
    expect(await ledger(db, uid)).toMatchObject({ dayCalls: 1, inFlight: 0, records: CALLS_PER_FAULT + 1, byStatus: { refunded: CALLS_PER_FAULT, ok: 1 } });
  });
});
