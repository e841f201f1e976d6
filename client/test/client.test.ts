/**
 * The client against fake callables: validation before sending, error mapping, retries (what is
 * retried, with which wait, the same requestId each time, bounded), and the Firebase binding.
 */
import { initializeApp, deleteApp } from "firebase/app";
import { CustomProvider } from "firebase/app-check";
import {
  GatekeeperClient,
  GatekeeperError,
  InProgressError,
  InvalidRequestError,
  QuotaExceededError,
  UnavailableError,
  createGatekeeperClient,
  inferRequestSchema,
  type FirebaseSdk,
  type InferRequest,
  type InferResponse,
  type QuotaStatus,
  type RetryEvent,
} from "../src";
import { inferRequestSchema as gatewaySchema } from "../../functions/src/core/schema";
import { FakeCallable, answer, quota } from "./fakes";

function setup(options: ConstructorParameters<typeof GatekeeperClient>[1] = {}) {
  const infer = new FakeCallable<InferRequest, InferResponse>();
  const getQuota = new FakeCallable<null, QuotaStatus>();
  const slept: number[] = [];
  const retries: RetryEvent[] = [];
  let ids = 0;
  const client = new GatekeeperClient(
    { infer: infer.fn, getQuota: getQuota.fn },
    {
      sleep: async (ms) => void slept.push(ms),
      newRequestId: () => `generated-id-${++ids}`,
      onRetry: (e) => retries.push(e),
      ...options,
    },
  );
  return { client, infer, getQuota, slept, retries };
}

async function rejection(promise: Promise<unknown>): Promise<GatekeeperError> {
  try {
    await promise;
  } catch (err) {
    return err as GatekeeperError;
  }
  throw new Error("expected the call to fail");
}

describe("the protocol", () => {
  it("is the gateway's own schema, not a copy", () => {
    expect(inferRequestSchema).toBe(gatewaySchema);
  });
});

describe("infer", () => {
  it("sends the texts and resolves with the gateway's answer", async () => {
    const { client, infer } = setup();
    infer.answers(answer(4));
    const data = await client.infer(["what a lovely day"]);
    expect(data.outputs).toEqual([{ label: "positive", score: 0.93 }]);
    expect(data.quota.remaining).toBe(4);
    expect(infer.calls).toEqual([{ inputs: ["what a lovely day"] }]);
  });

  it("passes the caller's requestId through", async () => {
    const { client, infer } = setup();
    infer.answers(answer());
    await client.infer({ inputs: ["a"], requestId: "my-request-0001" });
    expect(infer.calls).toEqual([{ inputs: ["a"], requestId: "my-request-0001" }]);
  });

  it.each([
    ["no texts", { inputs: [] }, /inputs: must hold at least one text/],
    ["an empty text", { inputs: ["ok", ""] }, /inputs\[1\]: must not be empty/],
    ["17 texts", { inputs: Array.from({ length: 17 }, () => "x") }, /at most 16 texts/],
    ["a text over 2,000 characters", { inputs: ["x".repeat(2001)] }, /at most 2000 characters/],
    ["a short requestId", { inputs: ["ok"], requestId: "short" }, /requestId: must be 8 to 64/],
    ["an unknown key", { inputs: ["ok"], model: "big" }, /model/],
  ])("refuses %s before sending anything", async (_name, request, message) => {
    const { client, infer } = setup();
    const err = await rejection(client.infer(request as InferRequest));
    expect(err).toBeInstanceOf(InvalidRequestError);
    expect(err.code).toBe("invalid-argument");
    expect(err.message).toMatch(message);
    expect(infer.calls).toHaveLength(0);
  });
});

describe("errors", () => {
  it("maps resource-exhausted to QuotaExceededError with the gateway's details", async () => {
    const { client, infer } = setup();
    const resetsAt = "2026-11-28T00:00:00.000Z";
    infer.fails("resource-exhausted", "Quota reached: 5 calls per day.", {
      reason: "quota", window: "day", limit: 5, retryAfterSeconds: 23_208, resetsAt,
    });
    const err = await rejection(client.infer(["a"]));
    expect(err).toBeInstanceOf(QuotaExceededError);
    expect(err).toBeInstanceOf(GatekeeperError);
    const q = err as QuotaExceededError;
    expect([q.code, q.reason, q.window, q.limit, q.retryAfterSeconds]).toEqual(["resource-exhausted", "quota", "day", 5, 23_208]);
    expect(q.details.resetsAt).toBe(resetsAt);
    expect(q.message).toBe("Quota reached: 5 calls per day.");
  });

  it("maps unavailable, with and without a wait, and the kill switch", async () => {
    const { client, infer } = setup();
    infer.fails("unavailable", "busy", { retryAfterSeconds: 2 }).fails("unavailable", "down").fails("unavailable", "Back at 14:00", { reason: "disabled" });
    const busy = (await rejection(client.infer(["a"]))) as UnavailableError;
    expect(busy).toBeInstanceOf(UnavailableError);
    expect([busy.retryAfterSeconds, busy.disabled]).toEqual([2, false]);
    const down = (await rejection(client.infer(["a"]))) as UnavailableError;
    expect([down.retryAfterSeconds, down.disabled]).toEqual([undefined, false]);
    const off = (await rejection(client.infer(["a"]))) as UnavailableError;
    expect([off.disabled, off.reason, off.message]).toEqual([true, "disabled", "Back at 14:00"]);
  });

  it("maps aborted to InProgressError", async () => {
    const { client, infer } = setup();
    infer.fails("aborted", "still running", { reason: "in-progress", retryAfterSeconds: 1 });
    const err = await rejection(client.infer({ inputs: ["a"], requestId: "same-call-0001" }));
    expect(err).toBeInstanceOf(InProgressError);
    expect(err.retryAfterSeconds).toBe(1);
  });

  it("keeps other codes as a GatekeeperError with the code, and the SDK error as cause", async () => {
    const { client, infer, getQuota } = setup();
    infer.fails("unauthenticated", "Sign in to use the model.");
    getQuota.fails("permission-denied", "This account may not use the model.", { reason: "banned" });
    const signedOut = await rejection(client.infer(["a"]));
    expect(signedOut.constructor).toBe(GatekeeperError);
    expect([signedOut.code, signedOut.message]).toEqual(["unauthenticated", "Sign in to use the model."]);
    expect((signedOut.cause as { code: string }).code).toBe("functions/unauthenticated");
    const banned = await rejection(client.getQuota());
    expect([banned.code, banned.reason]).toEqual(["permission-denied", "banned"]);
  });

  it("ignores malformed details instead of trusting them", async () => {
    const { client, infer } = setup();
    infer.fails("resource-exhausted", "x", { retryAfterSeconds: "soon", limit: -1, reason: 7 });
    const err = await rejection(client.infer(["a"]));
    expect(err.details).toEqual({ limit: -1 });
    expect(err.retryAfterSeconds).toBeUndefined();
  });

  it("turns a non-Firebase failure into code unknown", async () => {
    const broken = new GatekeeperClient({ infer: async () => { throw new TypeError("fetch failed"); }, getQuota: async () => ({ data: quota(1) }) });
    const err = await rejection(broken.infer(["a"]));
    expect(err.code).toBe("unknown");
    expect(err.cause).toBeInstanceOf(TypeError);
  });
});

describe("retries", () => {
  it("are off by default: unavailable is thrown at once and no requestId is added", async () => {
    const { client, infer, slept } = setup();
    infer.fails("unavailable", "busy", { retryAfterSeconds: 1 });
    expect(await rejection(client.infer(["a"]))).toBeInstanceOf(UnavailableError);
    expect(infer.calls).toEqual([{ inputs: ["a"] }]);
    expect(slept).toEqual([]);
  });

  it("retry unavailable after retryAfterSeconds with the same generated requestId", async () => {
    const { client, infer, slept, retries } = setup({ retry: true });
    infer.fails("unavailable", "busy", { retryAfterSeconds: 2 }).fails("unavailable", "busy", { retryAfterSeconds: 3 }).answers(answer());
    const data = await client.infer(["a"]);
    expect(data.outputs).toHaveLength(1);
    expect(infer.calls).toEqual([
      { inputs: ["a"], requestId: "generated-id-1" },
      { inputs: ["a"], requestId: "generated-id-1" },
      { inputs: ["a"], requestId: "generated-id-1" },
    ]);
    expect(slept).toEqual([2000, 3000]);
    expect(retries.map((r) => [r.attempt, r.delaySeconds, r.error.code])).toEqual([[1, 2, "unavailable"], [2, 3, "unavailable"]]);
  });

  it("keep the caller's requestId, and a fresh one is generated per logical call", async () => {
    const { client, infer } = setup({ retry: true });
    infer.fails("unavailable", "busy").answers(answer()).answers(answer());
    await client.infer({ inputs: ["a"], requestId: "callers-own-id" });
    await client.infer(["b"]);
    expect(infer.calls.map((c) => c.requestId)).toEqual(["callers-own-id", "callers-own-id", "generated-id-1"]);
  });

  it("back off exponentially from baseDelaySeconds when the gateway gives no wait", async () => {
    const { client, infer, slept } = setup({ retry: { maxAttempts: 4, baseDelaySeconds: 0.5 } });
    infer.fails("unavailable", "down").fails("unavailable", "down").fails("unavailable", "down").answers(answer());
    await client.infer(["a"]);
    expect(slept).toEqual([500, 1000, 2000]);
  });

  it("stop after maxAttempts and throw the last error", async () => {
    const { client, infer, slept } = setup({ retry: { maxAttempts: 2 } });
    infer.fails("unavailable", "first", { retryAfterSeconds: 1 }).fails("unavailable", "second", { retryAfterSeconds: 1 });
    const err = await rejection(client.infer(["a"]));
    expect(err.message).toBe("second");
    expect(infer.calls).toHaveLength(2);
    expect(slept).toEqual([1000]);
  });

  it("give up at once when the gateway asks for a longer wait than maxDelaySeconds", async () => {
    const { client, infer, slept } = setup({ retry: { maxDelaySeconds: 10 } });
    infer.fails("unavailable", "busy", { retryAfterSeconds: 60 });
    const err = await rejection(client.infer(["a"]));
    expect(err.retryAfterSeconds).toBe(60);
    expect(infer.calls).toHaveLength(1);
    expect(slept).toEqual([]);
  });

  it("wait for a still-running attempt with the same requestId and get its answer", async () => {
    const { client, infer, slept } = setup({ retry: true });
    infer.fails("aborted", "still running", { reason: "in-progress", retryAfterSeconds: 1 }).answers({ ...answer(), replayed: true });
    const data = await client.infer({ inputs: ["a"], requestId: "same-call-0001" });
    expect(data.replayed).toBe(true);
    expect(slept).toEqual([1000]);
  });

  it.each([
    ["the kill switch", "unavailable", { reason: "disabled" }],
    ["an exhausted quota", "resource-exhausted", { reason: "quota", window: "day", limit: 5, retryAfterSeconds: 5 }],
    ["a burst limit", "resource-exhausted", { reason: "burst", window: "10s", limit: 10, retryAfterSeconds: 3 }],
    ["a timeout", "deadline-exceeded", undefined],
    ["a signed-out user", "unauthenticated", undefined],
    ["a bad payload", "invalid-argument", undefined],
  ])("never retry %s", async (_name, code, details) => {
    const { client, infer, slept } = setup({ retry: true });
    infer.fails(code, "no", details);
    expect((await rejection(client.infer(["a"]))).code).toBe(code);
    expect(infer.calls).toHaveLength(1);
    expect(slept).toEqual([]);
  });

  it("apply to getQuota as well", async () => {
    const { client, getQuota } = setup({ retry: true });
    getQuota.fails("unavailable", "cannot check your quota").answers(quota(3));
    expect((await client.getQuota()).remaining).toBe(3);
    expect(getQuota.calls).toEqual([null, null]);
  });

  it("refuse a nonsensical maxAttempts", () => {
    expect(() => setup({ retry: { maxAttempts: 0 } })).toThrow(RangeError);
  });
});

describe("createGatekeeperClient", () => {
  const app = initializeApp({ projectId: "demo-gatekeeper", apiKey: "demo-api-key", appId: "1:1:web:1" }, "client-test");
  afterAll(() => deleteApp(app));

  function fakeSdk() {
    const calls: { name: string; options: unknown }[] = [];
    const appChecks: unknown[][] = [];
    const sdk: Partial<FirebaseSdk> = {
      getFunctions: ((a: unknown, region?: string) => ({ app: a, region })) as unknown as FirebaseSdk["getFunctions"],
      httpsCallable: ((_functions: unknown, name: string, options: unknown) => {
        calls.push({ name, options });
        return async () => ({ data: name === "infer" ? answer() : quota(2) });
      }) as unknown as FirebaseSdk["httpsCallable"],
      initializeAppCheck: ((...args: unknown[]) => void appChecks.push(args)) as unknown as FirebaseSdk["initializeAppCheck"],
    };
    return { sdk, calls, appChecks };
  }

  it("binds the infer and getQuota callables with the call options", async () => {
    const { sdk, calls } = fakeSdk();
    const client = createGatekeeperClient(app, { sdk, timeoutMs: 5000, limitedUseAppCheckTokens: true });
    expect(calls).toEqual([
      { name: "infer", options: { timeout: 5000, limitedUseAppCheckTokens: true } },
      { name: "getQuota", options: { timeout: 5000, limitedUseAppCheckTokens: true } },
    ]);
    expect((await client.getQuota()).remaining).toBe(2);
  });

  it("initializes App Check on the same app when a provider is given, and not otherwise", () => {
    const provider = new CustomProvider({ getToken: async () => ({ token: "t", expireTimeMillis: Date.now() + 60_000 }) });
    const withAppCheck = fakeSdk();
    createGatekeeperClient(app, { sdk: withAppCheck.sdk, appCheck: { provider, isTokenAutoRefreshEnabled: true } });
    expect(withAppCheck.appChecks).toEqual([[app, { provider, isTokenAutoRefreshEnabled: true }]]);
    const without = fakeSdk();
    createGatekeeperClient(app, { sdk: without.sdk });
    expect(without.appChecks).toEqual([]);
  });

  it("works with the real SDK: the callables are created for the app's functions", async () => {
    const client = createGatekeeperClient(app);
    // Validation runs before the SDK is reached, so this proves the wiring without a network.
    expect(await rejection(client.infer([]))).toBeInstanceOf(InvalidRequestError);
  });
});
