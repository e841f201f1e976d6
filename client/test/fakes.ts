/**
 * A scripted stand-in for one callable function object: each call takes the next step (an answer,
 * or a `FunctionsError` as the real SDK throws it) and records the payload it was sent.
 */
import { FunctionsError } from "firebase/functions";
import type { InferResponse, QuotaStatus } from "../src/protocol";

type Step<T> = { data: T } | { error: FunctionsError };

export class FakeCallable<Req, Res> {
  readonly calls: Req[] = [];
  private readonly steps: Step<Res>[] = [];

  answers(data: Res): this {
    this.steps.push({ data });
    return this;
  }

  fails(code: string, message: string, details?: unknown): this {
    this.steps.push({ error: new FunctionsError(code as never, message, details) });
    return this;
  }

  readonly fn = async (data: Req): Promise<{ data: Res }> => {
    this.calls.push(data);
    const step = this.steps.shift();
    if (!step) throw new Error("FakeCallable: no step left for this call");
    if ("error" in step) throw step.error;
    return { data: step.data };
  };
}

export const quota = (remaining: number): QuotaStatus => ({
  planId: "free",
  remaining,
  credits: 0,
  inFlight: 0,
  maxInFlight: 2,
  windows: [
    { window: "day", calls: { used: 5 - remaining, limit: 5 }, units: { used: 5 - remaining, limit: null }, resetsAt: "2026-11-28T00:00:00.000Z" },
  ],
});

export const answer = (remaining = 4): InferResponse => ({
  outputs: [{ label: "positive", score: 0.93 }],
  model: "tiny-sentiment",
  modelVersion: "1",
  units: 1,
  replayed: false,
  quota: quota(remaining),
});
