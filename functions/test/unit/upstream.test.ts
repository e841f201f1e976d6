import { createHash, createHmac } from "node:crypto";
import { GatewayError } from "../../src/core/errors";
import { MemoryLogger } from "../../src/core/logger";
import {
  DEADLINE_HEADER,
  googleIdTokenProvider,
  HttpInferenceClient,
  type HttpInferenceClientOptions,
  NONCE_HEADER,
  parseRetryAfter,
  SECRET_HEADER,
  SIGNATURE_HEADER,
  signRequest,
  TIMESTAMP_HEADER,
  UpstreamError,
} from "../../src/core/upstream";
import { answerLikeTheModel, StubServer } from "../support/stubServer";

const SECRET = "unit-test-secret-0123456789abcdef";
const LEAK = "upstream-private-detail";

describe("HttpInferenceClient over real HTTP", () => {
  const stub = new StubServer();
  let url: string;
  let logger: MemoryLogger;
  let client: HttpInferenceClient;

  beforeAll(async () => {
    url = await stub.start();
  });
  afterAll(() => stub.stop());
  beforeEach(() => {
    stub.requests.length = 0;
    logger = new MemoryLogger();
    client = new HttpInferenceClient({ baseUrl: `${url}/`, secret: SECRET, timeoutMs: 300, logger, maxResponseBytes: 4096 });
  });

  async function failure(): Promise<UpstreamError> {
    try {
      await client.infer(["a", "b"]);
    } catch (err) {
      if (err instanceof UpstreamError) return err;
      throw err;
    }
    throw new Error("expected a failure");
  }

  function expectNoLeak(err: GatewayError): void {
    expect(JSON.stringify({ m: err.message, d: err.details })).not.toContain(LEAK);
    expect(logger.text()).not.toContain(LEAK);
    expect(logger.text()).not.toContain(SECRET);
  }

  it("posts the inputs to /v1/infer with the secret header and returns the parsed answer", async () => {
    const res = await client.infer(["a", "b"]);
    expect(res.outputs).toHaveLength(2);
    expect(stub.requests[0]?.path).toBe("/v1/infer");
    expect(stub.requests[0]?.headers[SECRET_HEADER.toLowerCase()]).toBe(SECRET);
    expect(JSON.parse(stub.requests[0]?.body ?? "")).toEqual({ inputs: ["a", "b"] });
  });

  it("turns a 503 with Retry-After into unavailable carrying retryAfterSeconds", async () => {
    stub.behaviour = (_req, res) => {
      res.writeHead(503, { "Retry-After": "7" });
      res.end(LEAK);
    };
    const err = await failure();
    expect(err.code).toBe("unavailable");
    expect(err.failure).toBe("upstream_unavailable");
    expect(err.details?.retryAfterSeconds).toBe(7);
    expectNoLeak(err);
  });

  it("turns a 500 into unavailable without echoing the body", async () => {
    stub.behaviour = (_req, res) => {
      res.writeHead(500, { "Content-Type": "application/json" });
      res.end(JSON.stringify({ detail: LEAK }));
    };
    const err = await failure();
    expect(err.code).toBe("unavailable");
    expect(err.failure).toBe("upstream_error");
    expectNoLeak(err);
  });

  it("logs a rejected secret as a configuration error, without the secret", async () => {
    stub.behaviour = (_req, res) => {
      res.writeHead(401);
      res.end(LEAK);
    };
    await failure();
    expect(logger.text()).toMatch(/check the shared secret/);
    expect(logger.text()).not.toContain(SECRET);
  });

  it("gives up after the timeout with deadline-exceeded", async () => {
    stub.behaviour = () => undefined; // never answers
    const err = await failure();
    expect(err.code).toBe("deadline-exceeded");
    expect(err.failure).toBe("upstream_timeout");
  });

  it.each([
    ["malformed JSON", (res: import("node:http").ServerResponse) => res.end(`{"outputs": [${LEAK}`)],
    ["the wrong number of outputs", (res: import("node:http").ServerResponse) =>
      res.end(JSON.stringify({ outputs: [{ label: "x", score: 0.5 }], model: "m", model_version: "1" }))],
    ["a score out of range", (res: import("node:http").ServerResponse) =>
      res.end(JSON.stringify({ outputs: [{ label: "x", score: 7 }, { label: "x", score: 0 }], model: "m", model_version: "1" }))],
    ["an oversized body", (res: import("node:http").ServerResponse) => res.end("x".repeat(10_000))],
  ])("rejects %s as internal", async (_name, write) => {
    stub.behaviour = (_req, res) => {
      res.writeHead(200, { "Content-Type": "application/json" });
      write(res);
    };
    const err = await failure();
    expect(err.code).toBe("internal");
    expectNoLeak(err);
  });

  it("reports a server that is not listening as unavailable", async () => {
    const down = new HttpInferenceClient({ baseUrl: "http://127.0.0.1:9", secret: SECRET, timeoutMs: 300, logger });
    await expect(down.infer(["a"])).rejects.toMatchObject({ code: "unavailable", failure: "upstream_unavailable" });
  });

  it("reports a connection reset mid-answer as unavailable", async () => {
    stub.behaviour = (_req, res) => {
      res.writeHead(200, { "Content-Type": "application/json", "Content-Length": "1000" });
      res.write('{"outputs": [');
      res.socket?.destroy();
    };
    const err = await failure();
    expect(err.code).toBe("unavailable");
  });

  it("refuses to be built without a secret", () => {
    expect(() => new HttpInferenceClient({ baseUrl: url, secret: "", timeoutMs: 100, logger })).toThrow(/secret/);
  });
});

describe("parseRetryAfter", () => {
  const now = new Date("2026-01-01T00:00:00Z");
  it.each([
    ["5", 5],
    ["0", 0],
    ["2.2", 3],
    ["Thu, 01 Jan 2026 00:00:30 GMT", 30],
    ["soon", undefined],
    ["", undefined],
    [undefined, undefined],
  ])("%s -> %s", (value, expected) => {
    expect(parseRetryAfter(value, now)).toBe(expected);
  });
});

/** A fake clock that only moves when the client sleeps: waits and deadlines are exact and instant. */
function fakeTime(start = 1_000) {
  const state = { now: start, sleeps: [] as number[] };
  return {
    state,
    nowMs: () => state.now,
    sleep: async (ms: number) => {
      state.sleeps.push(ms);
      state.now += ms;
    },
  };
}

describe("HttpInferenceClient retries, signing and ID tokens", () => {
  const stub = new StubServer();
  let url: string;
  let logger: MemoryLogger;

  beforeAll(async () => {
    url = await stub.start();
  });
  afterAll(() => stub.stop());
  beforeEach(() => {
    stub.requests.length = 0;
    stub.behaviour = answerLikeTheModel;
    logger = new MemoryLogger();
  });

  function make(extra: Partial<HttpInferenceClientOptions>): HttpInferenceClient {
    return new HttpInferenceClient({ baseUrl: url, secret: SECRET, timeoutMs: 2_000, logger, ...extra });
  }

  /** Answers `status` with Retry-After for the first `times` requests, then like the model. */
  function busyFor(times: number, status: number, retryAfter: string | null): void {
    let seen = 0;
    stub.behaviour = (req, res) => {
      if (seen++ < times) {
        res.writeHead(status, retryAfter === null ? {} : { "Retry-After": retryAfter });
        res.end(LEAK);
        return;
      }
      answerLikeTheModel(req, res);
    };
  }

  it("retries a 503 after its Retry-After (plus jitter, never less) and succeeds", async () => {
    busyFor(1, 503, "1");
    const time = fakeTime();
    const client = make({ deadlineMs: 10_000, ...time, random: () => 0.5, retry: { jitter: 0.2 } });
    const res = await client.infer(["a", "b"]);
    expect(res.outputs).toHaveLength(2);
    expect(stub.requests).toHaveLength(2);
    expect(time.state.sleeps).toEqual([1_100]); // 1 s * (1 + 0.2 * 0.5)
    expect(logger.text()).not.toContain(LEAK);
  });

  it("retries a 429 too, and backs off exponentially without Retry-After", async () => {
    busyFor(2, 429, null);
    const time = fakeTime();
    const client = make({ deadlineMs: 10_000, ...time, random: () => 0, retry: { baseDelayMs: 100 } });
    await client.infer(["a"]);
    expect(time.state.sleeps).toEqual([100, 200]);
    expect(stub.requests).toHaveLength(3);
  });

  it("never retries beyond the deadline: a retry that cannot finish in time is not attempted", async () => {
    busyFor(100, 503, "1");
    const time = fakeTime();
    const client = make({ deadlineMs: 2_500, ...time, random: () => 1, retry: { maxAttempts: 10, jitter: 0.1, minAttemptMs: 200 } });
    const err = await client.infer(["a"]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UpstreamError);
    expect(err).toMatchObject({ code: "unavailable", failure: "upstream_unavailable", details: { retryAfterSeconds: 1 } });
    // t=0: 503, wait 1.1 s; t=1.1 s: 503, a second wait would end at 2.2 s + 0.2 s for the attempt = 2.4 s <= 2.5 s;
    // t=2.2 s: 503, another wait would end past the deadline: give up. Three attempts, never past 2.5 s.
    expect(stub.requests).toHaveLength(3);
    expect(time.state.now - 1_000).toBeLessThanOrEqual(2_500);
  });

  it.each([
    ["longer than the time left", 20_000, {}],
    ["longer than maxDelayMs", 120_000, { maxDelayMs: 10_000 }],
  ])("does not retry early or at all when Retry-After is %s", async (_name, deadlineMs, retry) => {
    busyFor(100, 503, "30");
    const time = fakeTime();
    const client = make({ deadlineMs, ...time, retry });
    await expect(client.infer(["a"])).rejects.toMatchObject({ code: "unavailable", details: { retryAfterSeconds: 30 } });
    expect(stub.requests).toHaveLength(1);
    expect(time.state.sleeps).toEqual([]);
  });

  it("stops after maxAttempts and does not retry a 500 or a 502", async () => {
    busyFor(100, 503, "0");
    const time = fakeTime();
    await expect(make({ deadlineMs: 60_000, ...time, retry: { maxAttempts: 2 } }).infer(["a"])).rejects.toMatchObject({ code: "unavailable" });
    expect(stub.requests).toHaveLength(2);
    for (const status of [500, 502]) {
      stub.requests.length = 0;
      busyFor(100, status, "0");
      await expect(make({ deadlineMs: 60_000, ...fakeTime() }).infer(["a"])).rejects.toBeInstanceOf(UpstreamError);
      expect(stub.requests).toHaveLength(1);
    }
  });

  it("sends the remaining budget and cuts each attempt to it (real time)", async () => {
    stub.behaviour = () => undefined; // never answers
    const client = make({ timeoutMs: 5_000, deadlineMs: 300 });
    const started = Date.now();
    await expect(client.infer(["a"])).rejects.toMatchObject({ code: "deadline-exceeded", failure: "upstream_timeout" });
    expect(Date.now() - started).toBeLessThan(2_000);
    const sent = Number(stub.requests[0]?.headers[DEADLINE_HEADER.toLowerCase()]);
    expect(sent).toBeGreaterThan(0);
    expect(sent).toBeLessThanOrEqual(300);
  });

  it("signs each attempt verifiably, with a fresh nonce, and does not send the secret itself", async () => {
    busyFor(1, 503, "0");
    const client = make({ baseUrl: `${url}/prefix/`, sign: true, wallClockMs: () => 1_700_000_000_500, ...fakeTime() });
    stub.behaviour = ((inner) => (req, res) => inner({ ...req, path: req.path.replace(/^\/prefix/, "") }, res))(stub.behaviour);
    await client.infer(["a", "b"]);
    expect(stub.requests).toHaveLength(2);
    const signatures = new Set<string>();
    for (const req of stub.requests) {
      const h = req.headers;
      expect(req.path).toBe("/prefix/v1/infer");
      expect(h[SECRET_HEADER.toLowerCase()]).toBeUndefined();
      expect(h[TIMESTAMP_HEADER.toLowerCase()]).toBe("1700000000");
      const nonce = String(h[NONCE_HEADER.toLowerCase()]);
      expect(nonce).toMatch(/^[0-9a-f]{32}$/);
      // Recomputed independently of the client's helper: the container's canonical request.
      const bodyHash = createHash("sha256").update(req.body).digest("hex");
      const expected = createHmac("sha256", SECRET).update(`1700000000\n${nonce}\nPOST\n/prefix/v1/infer\n${bodyHash}`).digest("hex");
      expect(h[SIGNATURE_HEADER.toLowerCase()]).toBe(expected);
      signatures.add(expected);
    }
    expect(signatures.size).toBe(2);
    expect(JSON.parse(stub.requests[0]?.body ?? "")).toEqual({ inputs: ["a", "b"] });
  });

  it("matches the container's known-answer signature", () => {
    // Same vector as inference/tests/unit/test_signing.py::test_known_answer.
    expect(signRequest("k".repeat(32), "1700000000", "0123456789abcdef0123456789abcdef", "POST", "/v1/infer", '{"inputs":["a"]}')).toBe(
      "33b5c17842817121b19a406968b873ca5c4c629d2c58428c6eba1c0d0807a924",
    );
  });

  it("presents the ID token from the injected provider, with the secret", async () => {
    const client = make({ idTokens: { authorizationHeader: async () => "Bearer fake-id-token" } });
    await client.infer(["a"]);
    expect(stub.requests[0]?.headers.authorization).toBe("Bearer fake-id-token");
    expect(stub.requests[0]?.headers[SECRET_HEADER.toLowerCase()]).toBe(SECRET);
  });

  it("fails as unavailable, without details, when no ID token can be had", async () => {
    const client = make({
      idTokens: {
        authorizationHeader: async () => {
          throw new Error(`metadata server said ${LEAK}`);
        },
      },
    });
    const err = await client.infer(["a"]).catch((e: unknown) => e as UpstreamError);
    expect(err).toMatchObject({ code: "unavailable", failure: "upstream_unavailable" });
    expect(stub.requests).toHaveLength(0);
    expect(JSON.stringify({ m: (err as Error).message, l: logger.text() })).not.toContain(LEAK);
  });

  it("googleIdTokenProvider asks google-auth-library once per audience and uses its Authorization header", async () => {
    const audiences: string[] = [];
    let calls = 0;
    const source = {
      getIdTokenClient: async (audience: string) => {
        audiences.push(audience);
        return { getRequestHeaders: async () => new Headers({ Authorization: `Bearer token-${++calls}` }) };
      },
    };
    const provider = googleIdTokenProvider("https://model-xyz.a.run.app", source);
    expect(await provider.authorizationHeader()).toBe("Bearer token-1");
    expect(await provider.authorizationHeader()).toBe("Bearer token-2");
    expect(audiences).toEqual(["https://model-xyz.a.run.app"]);
  });
});
