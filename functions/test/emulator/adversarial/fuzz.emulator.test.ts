/**
 * Generated bad input (fast-check): thousands of payloads that are not `{ inputs: string[1..16] of
 * 1..2000 chars, requestId? }` — wrong types, huge strings, deep nesting, unicode edge cases,
 * `__proto__`/`constructor` keys — through the core on the real Firestore store, and raw bodies
 * through the HTTP server. Every one is `invalid-argument`; none costs a Firestore operation,
 * reaches the model or changes the quota.
 */
import type { AddressInfo } from "node:net";
import type http from "node:http";
import fc from "fast-check";
import { deleteApp, initializeApp, type App } from "firebase-admin/app";
import { type Firestore, getFirestore } from "firebase-admin/firestore";
import { GatewayError } from "../../../src/core/errors";
import { MemoryLogger } from "../../../src/core/logger";
import { inferRequestSchema } from "../../../src/core/schema";
import { createGatewayServer } from "../../../src/server";
import { buildCore, ledger } from "../../support/adversarial";
import { clearFirestore } from "../../support/emulator";
import { countOps } from "../../support/firestoreOps";
import { StubServer } from "../../support/stubServer";

const PROJECT = "demo-adv-fuzz";
const RUNS = 1_500;
let app: App;
let db: Firestore;
const model = new StubServer();
let core: ReturnType<typeof buildCore>;

beforeAll(async () => {
  app = initializeApp({ projectId: PROJECT }, "fuzz");
  db = getFirestore(app);
  await clearFirestore(PROJECT);
  await db.doc("plans/free").set({ maxInFlight: 4, limits: { day: { calls: 10 } } });
  core = buildCore(db, { inferenceUrl: await model.start() });
});

afterAll(async () => {
  await model.stop();
  await deleteApp(app);
});

const edgeChars = ["\uD800", "\uDFFF", "\u202E", "\u200F", "\u200B", "\uFEFF", "\u0000", "😀", "👩‍👩‍👧", "e\u0301", "\uFFFF"];
/** The edge cases that are well-formed Unicode: everything but the lone surrogates. */
const wellFormedEdges = edgeChars.filter((c) => !/^[\uD800-\uDFFF]$/.test(c));
const edgeString = fc.oneof(
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.array(fc.constantFrom(...edgeChars), { maxLength: 20 }).map((a) => a.join("")),
  fc.constantFrom("__proto__", "constructor", "prototype", "toString", "hasOwnProperty"),
);
const hugeString = fc.integer({ min: 2_001, max: 200_000 }).map((n) => "x".repeat(n));
const deep = fc.integer({ min: 50, max: 5_000 }).chain((depth) =>
  fc.constantFrom("array", "object").map((kind) => {
    let v: unknown = "leaf";
    for (let i = 0; i < depth; i++) v = kind === "array" ? [v] : { inputs: v };
    return v;
  }),
);
const anyValue = fc.oneof(
  { depthSize: "small" },
  fc.anything({ maxDepth: 3, withObjectString: true, withNullPrototype: true, withBigInt: true, withDate: true, withMap: true, withSet: true, withTypedArray: true, withSparseArray: true }),
  edgeString,
  hugeString,
  deep,
);
const protoKeys = fc.constantFrom("__proto__", "constructor", "prototype");

/** Payloads the schema must refuse, each built to break one rule (or several). */
const badPayload = fc.oneof(
  anyValue, // not an object, or an object without `inputs`
  fc.record({ inputs: anyValue.filter((v) => !Array.isArray(v)) }),
  fc.record({ inputs: fc.array(fc.oneof(fc.integer(), fc.constant(null), fc.object(), fc.array(fc.string()), fc.boolean()), { minLength: 1, maxLength: 5 }) }),
  fc.record({ inputs: fc.array(edgeString, { minLength: 17, maxLength: 40 }) }),
  fc.record({ inputs: fc.tuple(hugeString).map((t) => [...t]) }),
  fc.record({ inputs: fc.constant([]) }),
  fc.record({ inputs: fc.array(fc.constant(""), { minLength: 1, maxLength: 3 }) }),
  fc.record({ inputs: fc.constant(["ok"]), requestId: fc.oneof(edgeString, fc.integer(), hugeString, deep) }),
  // An extra key, including the prototype-polluting ones, set as own properties (as JSON.parse does).
  fc.tuple(fc.oneof(protoKeys, fc.string({ minLength: 1 })), anyValue).map(([key, value]) => {
    const payload = JSON.parse(JSON.stringify({ inputs: ["ok"] })) as Record<string, unknown>;
    Object.defineProperty(payload, key === "inputs" ? "inputsX" : key, { value, enumerable: true, configurable: true, writable: true });
    return payload;
  }),
  fc.tuple(protoKeys, anyValue).map(([key, value]) => JSON.parse(`{"inputs": ["ok"], ${JSON.stringify(key)}: ${safeJson(value)}}`) as unknown),
  fc.constantFrom<unknown>(
    JSON.parse('{"__proto__": {"inputs": ["polluted"]}}'),
    JSON.parse('{"constructor": {"prototype": {"inputs": ["polluted"]}}}'),
    Object.create({ inputs: ["inherited"] }),
    [["ok"]],
    new String("ok"),
    { inputs: new Array(3) },
    { inputs: [new String("boxed")] },
  ),
).filter((p) => !inferRequestSchema.safeParse(p).success);

function isValidCall(text: string): boolean {
  try {
    const parsed = JSON.parse(text) as { data?: unknown };
    return typeof parsed === "object" && parsed !== null && "data" in parsed && inferRequestSchema.safeParse(parsed.data).success;
  } catch {
    return false;
  }
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? "null";
  } catch {
    return "null";
  }
}

describe("generated bad payloads through the core on Firestore", () => {
  it(`refuses ${RUNS} of them with invalid-argument, zero Firestore operations, zero model calls`, async () => {
    const ops = countOps(db);
    const seen = new Map<string, number>();
    let tried = 0;
    try {
      await fc.assert(
        fc.asyncProperty(badPayload, async (data) => {
          tried++;
          let code = "ok";
          try {
            await core.infer({ uid: "fuzzed", data });
          } catch (err) {
            code = err instanceof GatewayError ? err.code : `thrown ${String(err)}`;
          }
          seen.set(code, (seen.get(code) ?? 0) + 1);
          return code === "invalid-argument";
        }),
        { numRuns: RUNS, seed: 5, endOnFailure: true },
      );
      expect(ops.counts).toEqual({ reads: 0, queries: 0, writes: 0, commits: 0, transactions: 0, rollbacks: 0 });
    } finally {
      ops.restore();
    }
    expect(tried).toBeGreaterThanOrEqual(1_000);
    expect([...seen.keys()]).toEqual(["invalid-argument"]);
    expect(model.requests).toHaveLength(0);
    expect(await ledger(db, "fuzzed")).toMatchObject({ dayCalls: 0, records: 0 });
    expect(({} as Record<string, unknown>).inputs).toBeUndefined(); // no prototype was polluted
  });

  it("refuses inputs holding a lone surrogate (the model server cannot decode them) before any Firestore operation", async () => {
    const ops = countOps(db);
    try {
      for (const text of ["\uD800", "a\uDFFFb", "😀\uD83D", `${"x".repeat(100)}\uDC00`]) {
        await expect(core.infer({ uid: "surrogates", data: { inputs: ["fine", text] } })).rejects.toMatchObject({ code: "invalid-argument" });
      }
      expect(ops.counts).toMatchObject({ reads: 0, writes: 0, transactions: 0 });
    } finally {
      ops.restore();
    }
  });

  it("accepts valid payloads made of unicode edge cases (RTL, zero-width, BOM, NUL, emoji, ZWJ) and charges each once", async () => {
    const valid = fc.array(fc.array(fc.constantFrom(...wellFormedEdges), { minLength: 1, maxLength: 50 }).map((a) => a.join("")), { minLength: 1, maxLength: 16 });
    const samples = fc.sample(valid, { numRuns: 5, seed: 7 }).filter((inputs) => inputs.every((t) => t.length <= 2000));
    for (const inputs of samples) {
      const answer = await core.infer({ uid: "unicode", data: { inputs } });
      expect(answer.outputs).toHaveLength(inputs.length);
    }
    expect(await ledger(db, "unicode")).toMatchObject({ dayCalls: samples.length, records: samples.length, byStatus: { ok: samples.length } });
  });
});

describe("generated raw bodies through the HTTP server", () => {
  let server: http.Server;
  let base: string;
  beforeAll(async () => {
    server = createGatewayServer({
      gateway: { infer: core.infer, getQuota: core.getQuota },
      verifier: { verify: async (token) => (token === "good-token" ? "fuzzed-http" : Promise.reject(new Error("bad"))) },
      logger: new MemoryLogger(),
      maxBodyBytes: 100_000,
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise((r) => server.close(r)));

  it("answers every malformed body with a 4xx invalid-argument, never a 5xx", async () => {
    const body = fc.oneof(
      fc.string({ unit: "binary", maxLength: 200 }),
      fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
      badPayload.map((p) => `{"data": ${safeJson(p)}}`),
      fc.integer({ min: 1, max: 100_000 }).map((n) => "[".repeat(n)),
      fc.integer({ min: 1, max: 20_000 }).map((n) => `{"data": ${"[".repeat(n)}${"]".repeat(n)}}`),
      fc.constantFrom('{"data": {"inputs": ["ok"]}', '{"__proto__": {"data": {"inputs": ["x"]}}}', '{"data": {"inputs": ["\\ud800"], "__proto__": {}}}'),
    ).filter((text) => !isValidCall(text)); // a bad payload may turn valid once serialized (a boxed string)
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(body, async (text) => {
        const res = await fetch(`${base}/infer`, {
          method: "POST",
          headers: { "Content-Type": "application/json", Authorization: "Bearer good-token" },
          body: text,
        });
        const payload = (await res.json()) as { error?: { status: string } };
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        return res.status === 400 && payload.error?.status === "INVALID_ARGUMENT";
      }),
      { numRuns: 1_000, seed: 11, endOnFailure: true },
    );
    expect([...statuses.keys()]).toEqual([400]);
    expect(model.requests.filter((r) => r.body.includes("polluted"))).toHaveLength(0);
    expect(await ledger(db, "fuzzed-http")).toMatchObject({ dayCalls: 0, records: 0 });
  });
});
