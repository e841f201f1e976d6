/**
 * @module upstream
 * The client for the private inference container. It presents the shared secret (or signs the
 * request with it), optionally a Google-signed ID token for Cloud Run IAM, bounds the whole call by
 * one deadline, retries an overloaded answer (503/429) after its `Retry-After` within that deadline,
 * checks the answer's shape, and turns every failure into a `GatewayError` whose message is ours:
 * the upstream's own error text never reaches the caller or the logs.
 */
import http from "node:http";
import https from "node:https";
import { createHash, createHmac, randomBytes } from "node:crypto";
import axios, { type AxiosInstance, isAxiosError } from "axios";
import { GatewayError } from "./errors";
import type { Logger } from "./logger";
import { type UpstreamResponse, upstreamResponseSchema } from "./schema";

export const SECRET_HEADER = "X-Inference-Secret";
export const TIMESTAMP_HEADER = "X-Inference-Timestamp";
export const NONCE_HEADER = "X-Inference-Nonce";
export const SIGNATURE_HEADER = "X-Inference-Signature";
/** The caller's remaining budget in ms: the container drops the request if it is still queued by then. */
export const DEADLINE_HEADER = "X-Request-Deadline-Ms";
const INFER_PATH = "/v1/infer";

/** Supplies the `Authorization` header value for Cloud Run IAM ("Bearer <Google-signed ID token>"). */
export interface IdTokenProvider {
  authorizationHeader(): Promise<string>;
}

export interface RetryOptions {
  /** Attempts in all, the first included (default 3). */
  maxAttempts?: number;
  /** Wait before a retry when the answer has no `Retry-After`, doubled each time (default 200 ms). */
  baseDelayMs?: number;
  /** Upper bound of any one wait (default 10 s). */
  maxDelayMs?: number;
  /** Random extra wait, as a fraction of the wait (default 0.2): spreads retries so they do not return in step. */
  jitter?: number;
  /** A retry is only attempted if at least this much of the deadline would remain after the wait (default 500 ms). */
  minAttemptMs?: number;
}

export interface InferenceClient {
  infer(inputs: string[]): Promise<UpstreamResponse>;
}

export interface HttpInferenceClientOptions {
  baseUrl: string;
  secret: string;
  /** Longest single attempt, in ms. */
  timeoutMs: number;
  logger: Logger;
  /** Largest response body accepted, in bytes. */
  maxResponseBytes?: number;
  /** Total budget of one `infer` call, retries and waits included, in ms (default `timeoutMs`). Never exceeded. */
  deadlineMs?: number;
  retry?: RetryOptions;
  /**
   * Sign each attempt with HMAC-SHA256 under the secret (see inference/app/core/signing.py) instead of
   * sending the secret itself; the container must run with INFERENCE_SIGNING=optional or required.
   */
  sign?: boolean;
  /** Adds a Google-signed ID token (Cloud Run IAM invoker); see `googleIdTokenProvider`. */
  idTokens?: IdTokenProvider;
  /** Seams for tests: monotonic clock, wall clock (signing timestamps), sleep, randomness. */
  nowMs?: () => number;
  wallClockMs?: () => number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

/** Why an upstream call failed, as recorded in the usage ledger. */
export type UpstreamFailure = "upstream_unavailable" | "upstream_timeout" | "upstream_error";

export class UpstreamError extends GatewayError {
  /** Whether the container refused without computing (503/429), so the client may try again. */
  retryable = false;

  constructor(
    readonly failure: UpstreamFailure,
    code: "unavailable" | "deadline-exceeded" | "internal",
    message: string,
    retryAfterSeconds?: number,
  ) {
    super(code, message, retryAfterSeconds === undefined ? { reason: failure } : { reason: failure, retryAfterSeconds });
  }
}

export class HttpInferenceClient implements InferenceClient {
  private readonly http: AxiosInstance;
  private readonly signedPath: string;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly options: HttpInferenceClientOptions) {
    if (!options.secret) throw new Error("the inference secret is not configured");
    const baseURL = options.baseUrl.replace(/\/+$/, "");
    // The container verifies the path it receives, so a base URL with a path prefix is part of it.
    this.signedPath = new URL(baseURL).pathname.replace(/\/+$/, "") + INFER_PATH;
    this.now = options.nowMs ?? (() => performance.now());
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.http = axios.create({
      baseURL,
      timeout: options.timeoutMs,
      maxContentLength: options.maxResponseBytes ?? 1_048_576,
      maxRedirects: 0,
      // Reuse connections: a new TCP (and TLS) handshake per model call is pure overhead.
      httpAgent: new http.Agent({ keepAlive: true }),
      httpsAgent: new https.Agent({ keepAlive: true }),
      headers: { "Content-Type": "application/json" },
      // Every status is inspected below; axios must not build errors that carry the response text.
      validateStatus: () => true,
    });
  }

  async infer(inputs: string[]): Promise<UpstreamResponse> {
    const retry = this.options.retry ?? {};
    const maxAttempts = Math.max(1, retry.maxAttempts ?? 3);
    const deadline = this.now() + (this.options.deadlineMs ?? this.options.timeoutMs);
    const body = JSON.stringify({ inputs });
    for (let attempt = 1; ; attempt++) {
      const remaining = Math.floor(deadline - this.now());
      if (remaining <= 0) throw this.timedOut();
      const result = await this.attempt(inputs, body, Math.min(this.options.timeoutMs, remaining));
      if (!(result instanceof UpstreamError) || !result.retryable) {
        if (result instanceof UpstreamError) throw result;
        return result;
      }
      const wait = this.retryDelayMs(attempt, result.details?.retryAfterSeconds as number | undefined);
      // Only retry when the wait plus a useful attempt still fit in the budget: never beyond the deadline.
      if (attempt >= maxAttempts || this.now() + wait + (retry.minAttemptMs ?? 500) > deadline) throw result;
      this.options.logger.info("inference server overloaded; retrying", { attempt, waitMs: Math.round(wait) });
      await this.sleep(wait);
    }
  }

  private retryDelayMs(attempt: number, retryAfterSeconds: number | undefined): number {
    const retry = this.options.retry ?? {};
    const maxDelayMs = retry.maxDelayMs ?? 10_000;
    const spread = 1 + (retry.jitter ?? 0.2) * (this.options.random ?? Math.random)();
    if (retryAfterSeconds !== undefined) {
      // Honoured as a minimum (jitter only adds to it); asked to wait longer than we ever would: give up.
      return retryAfterSeconds * 1000 > maxDelayMs ? Infinity : retryAfterSeconds * 1000 * spread;
    }
    return Math.min((retry.baseDelayMs ?? 200) * 2 ** (attempt - 1), maxDelayMs) * spread;
  }

  private async headersFor(body: string, remainingMs: number): Promise<Record<string, string>> {
    const headers: Record<string, string> = { [DEADLINE_HEADER]: String(remainingMs) };
    if (this.options.sign) {
      const timestamp = String(Math.floor((this.options.wallClockMs ?? Date.now)() / 1000));
      const nonce = randomBytes(16).toString("hex");
      headers[TIMESTAMP_HEADER] = timestamp;
      headers[NONCE_HEADER] = nonce;
      headers[SIGNATURE_HEADER] = signRequest(this.options.secret, timestamp, nonce, "POST", this.signedPath, body);
    } else {
      headers[SECRET_HEADER] = this.options.secret;
    }
    if (this.options.idTokens) headers.Authorization = await this.options.idTokens.authorizationHeader();
    return headers;
  }

  /** One HTTP attempt: the parsed answer, or the error it maps to (thrown by the caller). */
  private async attempt(inputs: string[], body: string, timeoutMs: number): Promise<UpstreamResponse | UpstreamError> {
    let headers: Record<string, string>;
    try {
      headers = await this.headersFor(body, timeoutMs);
    } catch (err) {
      // The token source's error may describe credentials: log its kind only.
      this.options.logger.error("could not obtain an ID token for the inference server", {
        error: err instanceof Error ? err.name : "unknown",
      });
      return new UpstreamError("upstream_unavailable", "unavailable", "The model is unavailable; the call was not charged. Try again later.");
    }
    let response;
    try {
      response = await this.http.post(INFER_PATH, body, { timeout: timeoutMs, headers });
    } catch (err) {
      return this.transportFailure(err, timeoutMs);
    }
    const { status } = response;
    if (status >= 200 && status < 300) {
      const parsed = upstreamResponseSchema.safeParse(response.data);
      if (!parsed.success || parsed.data.outputs.length !== inputs.length) {
        this.options.logger.error("inference server answered with an unexpected shape", { status });
        return new UpstreamError("upstream_error", "internal", "The model returned an invalid answer; the call was not charged.");
      }
      return parsed.data;
    }
    if (status === 429 || status === 503 || status === 502 || status === 504) {
      this.options.logger.warn("inference server is overloaded or unavailable", { status });
      const err = new UpstreamError(
        "upstream_unavailable",
        "unavailable",
        "The model is busy; the call was not charged. Try again shortly.",
        parseRetryAfter(response.headers["retry-after"]),
      );
      // 503/429: the container refused before computing anything (full queue, not ready), so a retry is safe.
      // 502/504 come from a proxy and the model may have run: not retried.
      err.retryable = status === 503 || status === 429;
      return err;
    }
    if (status === 401 || status === 403) {
      this.options.logger.error("inference server rejected the gateway's credentials; check the shared secret", { status });
    } else {
      this.options.logger.error("inference server failed", { status });
    }
    return new UpstreamError("upstream_error", "unavailable", "The model failed to answer; the call was not charged.");
  }

  private timedOut(): UpstreamError {
    return new UpstreamError("upstream_timeout", "deadline-exceeded", "The model did not answer in time; the call was not charged.");
  }

  private transportFailure(err: unknown, timeoutMs: number): UpstreamError {
    const code = isAxiosError(err) ? err.code : undefined;
    if (code === "ECONNABORTED" || code === "ETIMEDOUT") {
      this.options.logger.warn("inference call timed out", { timeoutMs });
      return this.timedOut();
    }
    if (code === "ERR_BAD_RESPONSE" || code === "ERR_FR_MAX_CONTENT_LENGTH_EXCEEDED") {
      this.options.logger.error("inference server sent an unreadable or oversized answer", { code });
      return new UpstreamError("upstream_error", "internal", "The model returned an invalid answer; the call was not charged.");
    }
    this.options.logger.warn("inference server unreachable", { code: code ?? "unknown" });
    return new UpstreamError("upstream_unavailable", "unavailable", "The model is unavailable; the call was not charged. Try again later.");
  }
}

/** `Retry-After` as whole seconds (delta-seconds or an HTTP date); undefined when absent or unreadable. */
export function parseRetryAfter(value: unknown, now: Date = new Date()): number | undefined {
  if (typeof value !== "string" || value.trim() === "") return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.ceil(seconds);
  const date = Date.parse(value);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, Math.ceil((date - now.getTime()) / 1000));
}

/**
 * hex(HMAC-SHA256(secret, timestamp "\n" nonce "\n" METHOD "\n" path "\n" hex(sha256(body)))): the
 * container's canonical request (inference/app/core/signing.py). The nonce makes every attempt's
 * signature unique, so a retry within the same second is not mistaken for a replay.
 */
export function signRequest(secret: string, timestamp: string, nonce: string, method: string, path: string, body: string): string {
  const bodyHash = createHash("sha256").update(body, "utf8").digest("hex");
  return createHmac("sha256", secret).update(`${timestamp}\n${nonce}\n${method.toUpperCase()}\n${path}\n${bodyHash}`).digest("hex");
}

/** The subset of google-auth-library's `GoogleAuth` used here (so tests can pass a fake). */
export interface IdTokenSource {
  getIdTokenClient(audience: string): Promise<{ getRequestHeaders(url?: string): Promise<Headers | Record<string, string>> }>;
}

/**
 * Google-signed ID tokens for `audience` (the Cloud Run service URL), from the function's service
 * account via google-auth-library; the client caches a token until shortly before it expires.
 */
export function googleIdTokenProvider(audience: string, source?: IdTokenSource): IdTokenProvider {
  let client: ReturnType<IdTokenSource["getIdTokenClient"]> | undefined;
  return {
    async authorizationHeader(): Promise<string> {
      if (!client) {
        const auth = source ?? (new (await import("google-auth-library")).GoogleAuth() as unknown as IdTokenSource);
        client = auth.getIdTokenClient(audience);
        client.catch(() => (client = undefined)); // a failed start is retried on the next call
      }
      const headers = await (await client).getRequestHeaders();
      const value = headers instanceof Headers ? headers.get("authorization") : (headers.Authorization ?? headers.authorization);
      if (!value) throw new Error("no Authorization header from the ID token client");
      return value;
    },
  };
}
