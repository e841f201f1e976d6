import { GatewayError } from "../../src/core/errors";
import { MemoryLogger } from "../../src/core/logger";
import { HttpInferenceClient, parseRetryAfter, SECRET_HEADER, UpstreamError } from "../../src/core/upstream";
import { StubServer } from "../support/stubServer";

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
