/**
 * @module burst
 * The burst limiter in front of Firestore: rate-limiter-flexible in memory, per instance, keyed by
 * uid. A flood from one user is refused here with zero Firestore operations once it trips. It is
 * per instance (N instances let through up to N times the burst), so it is a cheap first line; the
 * Firestore quotas are the global truth.
 */
import { RateLimiterMemory, RateLimiterRes } from "rate-limiter-flexible";
import { GatewayError } from "./errors";

export interface BurstLimiter {
  /** Takes one call from `uid`'s allowance, or throws `resource-exhausted` with reason "burst". */
  take(uid: string): Promise<void>;
}

export class MemoryBurstLimiter implements BurstLimiter {
  private readonly limiter: RateLimiterMemory;

  constructor(private readonly points: number, private readonly durationSeconds: number) {
    this.limiter = new RateLimiterMemory({ points, duration: durationSeconds, keyPrefix: "burst" });
  }

  async take(uid: string): Promise<void> {
    try {
      await this.limiter.consume(uid, 1);
    } catch (res) {
      if (!(res instanceof RateLimiterRes)) throw res;
      throw new GatewayError(
        "resource-exhausted",
        `Too many calls in a short time: at most ${this.points} per ${this.durationSeconds} s. Slow down.`,
        {
          reason: "burst",
          window: `${this.durationSeconds}s`,
          limit: this.points,
          retryAfterSeconds: Math.max(1, Math.ceil(res.msBeforeNext / 1000)),
        },
      );
    }
  }
}
