/**
 * @module upstream
 * The client for the private inference container. It presents the shared secret, bounds the call
 * with a timeout, checks the answer's shape, and turns every failure into a `GatewayError` whose
 * message is ours: the upstream's own error text never reaches the caller or the logs.
 */
import axios, { type AxiosInstance, isAxiosError } from "axios";
import { GatewayError } from "./errors";
import type { Logger } from "./logger";
import { type UpstreamResponse, upstreamResponseSchema } from "./schema";

export const SECRET_HEADER = "X-Inference-Secret";

export interface InferenceClient {
  infer(inputs: string[]): Promise<UpstreamResponse>;
}

export interface HttpInferenceClientOptions {
  baseUrl: string;
  secret: string;
  timeoutMs: number;
  logger: Logger;
  /** Largest response body accepted, in bytes. */
  maxResponseBytes?: number;
}

/** Why an upstream call failed, as recorded in the usage ledger. */
export type UpstreamFailure = "upstream_unavailable" | "upstream_timeout" | "upstream_error";

export class UpstreamError extends GatewayError {
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

  constructor(private readonly options: HttpInferenceClientOptions) {
    if (!options.secret) throw new Error("the inference secret is not configured");
    this.http = axios.create({
      baseURL: options.baseUrl.replace(/\/+$/, ""),
      timeout: options.timeoutMs,
      maxContentLength: options.maxResponseBytes ?? 1_048_576,
      maxRedirects: 0,
      headers: { [SECRET_HEADER]: options.secret, "Content-Type": "application/json" },
      // Every status is inspected below; axios must not build errors that carry the response text.
      validateStatus: () => true,
    });
  }

  async infer(inputs: string[]): Promise<UpstreamResponse> {
    let response;
    try {
      response = await this.http.post("/v1/infer", { inputs });
    } catch (err) {
      throw this.transportFailure(err);
    }
    const { status } = response;
    if (status >= 200 && status < 300) {
      const parsed = upstreamResponseSchema.safeParse(response.data);
      if (!parsed.success || parsed.data.outputs.length !== inputs.length) {
        this.options.logger.error("inference server answered with an unexpected shape", { status });
        throw new UpstreamError("upstream_error", "internal", "The model returned an invalid answer; the call was not charged.");
      }
      return parsed.data;
    }
    if (status === 429 || status === 503 || status === 502 || status === 504) {
      this.options.logger.warn("inference server is overloaded or unavailable", { status });
      throw new UpstreamError(
        "upstream_unavailable",
        "unavailable",
        "The model is busy; the call was not charged. Try again shortly.",
        parseRetryAfter(response.headers["retry-after"]),
      );
    }
    if (status === 401 || status === 403) {
      this.options.logger.error("inference server rejected the gateway's credentials; check the shared secret", { status });
    } else {
      this.options.logger.error("inference server failed", { status });
    }
    throw new UpstreamError("upstream_error", "unavailable", "The model failed to answer; the call was not charged.");
  }

  private transportFailure(err: unknown): UpstreamError {
    const code = isAxiosError(err) ? err.code : undefined;
    if (code === "ECONNABORTED" || code === "ETIMEDOUT") {
      this.options.logger.warn("inference call timed out", { timeoutMs: this.options.timeoutMs });
      return new UpstreamError("upstream_timeout", "deadline-exceeded", "The model did not answer in time; the call was not charged.");
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
