/**
 * @module firestoreGuard
 * The bill-wide guard on Firestore: a kill switch and a daily budget of calls across all users,
 * both in `gateway/config`, which admins edit in the console or with the admin CLI.
 *
 * The budget is a sharded counter: each admitted call increments one of N shard documents
 * (`gateway/config/budgetShards/{day}_{i}`) inside its reservation transaction, so no single
 * document takes every write. Each instance re-reads the shards' sum at most once per refresh
 * interval and counts its own admissions in between, so across instances the budget may be
 * exceeded by what other instances admit within one interval — a bound on the bill, not an exact
 * quota (the per-user quotas are exact). The config is cached for the same interval, which is also
 * how long the kill switch may take to reach every instance.
 */
import type { Firestore } from "firebase-admin/firestore";
import { TtlCache } from "./cache";
import { GatewayError } from "./errors";
import type { Logger } from "./logger";
import { describeIssues, type GatewayConfig, gatewayConfigSchema } from "./schema";
import type { GlobalGuard } from "./store";
import { secondsUntil, windowEnd, windowKey } from "./windows";

export const GATEWAY_CONFIG = "gateway/config";
export const BUDGET_SHARDS = "budgetShards";

export function budgetShardRef(db: Firestore, day: string, shard: number) {
  return db.doc(GATEWAY_CONFIG).collection(BUDGET_SHARDS).doc(`${day}_${shard}`);
}

/** Sum of today's budget shards: one query, one read per shard that exists. */
export async function budgetUsed(db: Firestore, day: string): Promise<number> {
  const snap = await db.doc(GATEWAY_CONFIG).collection(BUDGET_SHARDS).where("day", "==", day).get();
  return snap.docs.reduce((sum, d) => sum + (Number(d.get("calls")) || 0), 0);
}

export interface FirestoreGuardOptions {
  /** Calls per UTC day across all users when `gateway/config` sets no `dailyBudgetCalls`. */
  defaultDailyBudget: number;
  refreshMs: number;
  nowMs: () => number;
  logger: Logger;
}

export class FirestoreGuard implements GlobalGuard {
  private readonly config: TtlCache<GatewayConfig>;
  private readonly used: TtlCache<{ day: string; count: number }>;

  constructor(
    private readonly db: Firestore,
    private readonly options: FirestoreGuardOptions,
  ) {
    this.config = new TtlCache(options.refreshMs, options.nowMs);
    this.used = new TtlCache(options.refreshMs, options.nowMs);
  }

  async check(now: Date): Promise<void> {
    const config = await this.config.get("config", () => this.loadConfig());
    if (config.killSwitch) {
      throw new GatewayError("unavailable", config.killSwitchMessage ?? "The model is switched off for now. Try again later.", {
        reason: "disabled",
      });
    }
    const limit = config.dailyBudgetCalls ?? this.options.defaultDailyBudget;
    const day = windowKey("day", now);
    const used = await this.used.get(day, async () => ({ day, count: await budgetUsed(this.db, day) }));
    if (used.count >= limit) {
      const end = windowEnd("day", now);
      throw new GatewayError("resource-exhausted", "The service has reached its daily capacity. Try again tomorrow.", {
        reason: "budget",
        window: "day",
        limit,
        retryAfterSeconds: secondsUntil(end, now),
        resetsAt: end.toISOString(),
      });
    }
  }

  admitted(now: Date): void {
    this.adjust(now, +1);
  }

  refunded(now: Date): void {
    this.adjust(now, -1);
  }

  private adjust(now: Date, delta: number): void {
    // Only a fresh cached sum is adjusted; a miss is loaded by the next check anyway.
    void this.used
      .peek(windowKey("day", now))
      ?.then((u) => {
        u.count = Math.max(0, u.count + delta);
      })
      .catch(() => undefined);
  }

  private async loadConfig(): Promise<GatewayConfig> {
    const snap = await this.db.doc(GATEWAY_CONFIG).get();
    const parsed = gatewayConfigSchema.safeParse(snap.data() ?? {});
    if (!parsed.success) {
      this.options.logger.error("malformed gateway/config document; refusing calls", {
        problem: describeIssues(parsed.error),
      });
      throw new GatewayError("failed-precondition", "The service is misconfigured; try again later.", { reason: "config" });
    }
    return parsed.data;
  }
}
