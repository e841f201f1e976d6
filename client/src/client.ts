/**
 * @module client
 * `GatekeeperClient` calls the gateway's `infer` and `getQuota` callables: it validates a request
 * with the gateway's own zod schema before sending it (a bad request costs no round trip), turns
 * refusals into typed errors, and can retry what is worth retrying. Retries send the same
 * `requestId`, which the gateway charges once and, once one attempt has succeeded, answers from
 * its stored result; they are bounded in attempts and in how long the client is willing to wait.
 */
import { GatekeeperError, InProgressError, InvalidRequestError, UnavailableError, toGatekeeperError } from "./errors";
import { describeIssues, inferRequestSchema, type InferRequest, type InferResponse, type QuotaStatus } from "./protocol";

/** The shape of what `httpsCallable` returns; tests pass fakes. */
export type Callable<Req, Res> = (data: Req) => Promise<{ data: Res }>;

export interface GatekeeperCallables {
  infer: Callable<InferRequest, InferResponse>;
  getQuota: Callable<null, QuotaStatus>;
}

export interface RetryOptions {
  /** Attempts in all, the first included (default 3). */
  maxAttempts?: number;
  /**
   * The longest the client waits before one retry (default 30 s). When the gateway asks for longer,
   * the error is thrown at once: waiting less than asked would only spend an attempt.
   */
  maxDelaySeconds?: number;
  /** The wait when the gateway gives none: this, doubled after each attempt (default 1 s). */
  baseDelaySeconds?: number;
}

export interface RetryEvent {
  /** The attempt that failed, from 1. */
  attempt: number;
  delaySeconds: number;
  error: GatekeeperError;
}

export interface GatekeeperClientOptions {
  /**
   * Retries `unavailable` (not the kill switch: that lasts until an operator turns it off) and
   * `aborted` (an earlier attempt with this requestId is still running). Off unless given.
   */
  retry?: RetryOptions | boolean;
  onRetry?: (event: RetryEvent) => void;
  /** Injected for tests; defaults to setTimeout. */
  sleep?: (ms: number) => Promise<void>;
  /** The requestId for a call that has none, when retries are on; defaults to `crypto.randomUUID()`. */
  newRequestId?: () => string;
}

const DEFAULT_RETRY: Required<RetryOptions> = { maxAttempts: 3, maxDelaySeconds: 30, baseDelaySeconds: 1 };

export class GatekeeperClient {
  private readonly retry: Required<RetryOptions> | undefined;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly newRequestId: () => string;

  constructor(
    private readonly callables: GatekeeperCallables,
    private readonly options: GatekeeperClientOptions = {},
  ) {
    this.retry =
      options.retry === undefined || options.retry === false
        ? undefined
        : { ...DEFAULT_RETRY, ...(options.retry === true ? {} : options.retry) };
    if (this.retry && (!Number.isInteger(this.retry.maxAttempts) || this.retry.maxAttempts < 1)) {
      throw new RangeError("retry.maxAttempts must be a whole number of at least 1");
    }
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.newRequestId = options.newRequestId ?? (() => globalThis.crypto.randomUUID());
  }

  /**
   * Runs the model on 1–16 texts: `infer(["some text"])` or `infer({ inputs, requestId })`.
   * Resolves with the outputs (one per input, in order) and the caller's quota after this call.
   * @throws GatekeeperError (QuotaExceededError, UnavailableError, InProgressError, InvalidRequestError, ...)
   */
  async infer(request: InferRequest | string[]): Promise<InferResponse> {
    const payload: InferRequest = Array.isArray(request) ? { inputs: request } : { ...request };
    if (this.retry && payload.requestId === undefined) payload.requestId = this.newRequestId();
    const parsed = inferRequestSchema.safeParse(payload);
    if (!parsed.success) throw new InvalidRequestError(`Invalid request: ${describeIssues(parsed.error)}`);
    return this.call(() => this.callables.infer(parsed.data));
  }

  /** The caller's plan, what is left and when each window resets; charges nothing. */
  async getQuota(): Promise<QuotaStatus> {
    return this.call(() => this.callables.getQuota(null));
  }

  private async call<T>(send: () => Promise<{ data: T }>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return (await send()).data;
      } catch (raw) {
        const error = toGatekeeperError(raw);
        const delaySeconds = this.retryDelay(error, attempt);
        if (delaySeconds === undefined) throw error;
        this.options.onRetry?.({ attempt, delaySeconds, error });
        await this.sleep(delaySeconds * 1000);
      }
    }
  }

  /** Seconds to wait before the next attempt, or undefined when the error should be thrown. */
  private retryDelay(error: GatekeeperError, attempt: number): number | undefined {
    const retry = this.retry;
    if (!retry || attempt >= retry.maxAttempts) return undefined;
    const retryable = (error instanceof UnavailableError && !error.disabled) || error instanceof InProgressError;
    if (!retryable) return undefined;
    const delay = error.retryAfterSeconds ?? retry.baseDelaySeconds * 2 ** (attempt - 1);
    return delay <= retry.maxDelaySeconds ? delay : undefined;
  }
}
