/**
 * What the popup tells the user: waits rounded up, the quota line, and a message per refusal.
 */
import { FunctionsError } from "firebase/functions";
import { GatekeeperError, toGatekeeperError, type QuotaStatus } from "@gatekeeper/client";
import { describeError, describeQuota, describeSignInError, formatWait } from "../src/format";

const refusal = (code: string, message: string, details?: unknown) =>
  toGatekeeperError(new FunctionsError(code as never, message, details));

const status = (over: Partial<QuotaStatus> = {}): QuotaStatus => ({
  planId: "demo",
  remaining: 4,
  credits: 0,
  inFlight: 0,
  maxInFlight: 2,
  windows: [
    { window: "minute", calls: { used: 1, limit: 10 }, units: { used: 1, limit: null }, resetsAt: "" },
    { window: "day", calls: { used: 1, limit: 5 }, units: { used: 1, limit: null }, resetsAt: "" },
    { window: "month", calls: { used: 1, limit: 100 }, units: { used: 1, limit: null }, resetsAt: "" },
  ],
  ...over,
});

describe("formatWait", () => {
  it.each([
    [0, "0 s"],
    [0.2, "1 s"],
    [45, "45 s"],
    [60, "1 min"],
    [61, "2 min"],
    [3599, "1 h"],
    [3600, "1 h"],
    [23_208, "6 h 27 min"],
    [86_399, "1 d"],
    [86_400, "1 d"],
    [3 * 86_400 + 3 * 3600 + 1, "3 d 4 h"],
  ])("%d s reads %s", (seconds, text) => {
    expect(formatWait(seconds)).toBe(text);
  });
});

describe("describeQuota", () => {
  it("counts down the day window", () => {
    expect(describeQuota(status())).toBe("4 of 5 calls left today");
  });

  it("names the month when it runs out first, and the credits", () => {
    const q = status({ remaining: 2, credits: 3 });
    q.windows[2]!.calls.used = 98;
    expect(describeQuota(q)).toBe("2 of 100 calls left this month (+3 credits)");
  });

  it("handles plans without a call limit", () => {
    expect(describeQuota(status({ remaining: null }))).toBe("No limit on calls for your plan");
    expect(describeQuota(status({ remaining: 1, windows: [] }))).toBe("1 call left");
  });
});

describe("describeError", () => {
  it("says which quota is used up and how long to wait", () => {
    const err = refusal("resource-exhausted", "Quota reached", { reason: "quota", window: "day", limit: 5, retryAfterSeconds: 23_208 });
    expect(describeError(err, status())).toBe("You've used today's 5 calls; try again in 6 h 27 min");
  });

  it("says units when the full window limits units only", () => {
    const q = status();
    q.windows[2] = { window: "month", calls: { used: 3, limit: null }, units: { used: 500, limit: 500 }, resetsAt: "" };
    const err = refusal("resource-exhausted", "Quota reached", { reason: "quota", window: "month", limit: 500, retryAfterSeconds: 90_000 });
    expect(describeError(err, q)).toBe("You've used this month's 500 units; try again in 1 d 1 h");
  });

  it.each([
    [{ reason: "burst", window: "10s", limit: 10, retryAfterSeconds: 4 }, "Too many calls in a short time; try again in 4 s"],
    [{ reason: "concurrency", limit: 2, retryAfterSeconds: 1 }, "Another call is still running; try again when it has finished"],
    [{ reason: "budget", window: "day", limit: 10_000, retryAfterSeconds: 600 }, "The service is at its capacity for today; try again in 10 min"],
  ])("explains %o", (details, text) => {
    expect(describeError(refusal("resource-exhausted", "x", details))).toBe(text);
  });

  it("shows the operator's kill-switch message, and a wait for a busy model", () => {
    expect(describeError(refusal("unavailable", "Back at 14:00 UTC", { reason: "disabled" }))).toBe("Back at 14:00 UTC");
    expect(describeError(refusal("unavailable", "busy", { retryAfterSeconds: 3 }))).toBe("The model is busy; try again in 3 s");
    expect(describeError(refusal("unavailable", "down"))).toBe("The model is unavailable right now; try again shortly");
  });

  it("asks to sign in again when signed out, and passes other gateway messages through", () => {
    expect(describeError(refusal("unauthenticated", "Sign in to use the model."))).toBe("Please sign in again");
    expect(describeError(new GatekeeperError("permission-denied", "This account may not use the model."))).toBe(
      "This account may not use the model.",
    );
    expect(describeError(new Error("boom"))).toBe("Something went wrong; please try again");
  });
});

describe("describeSignInError", () => {
  it("does not reveal whether the email exists", () => {
    expect(describeSignInError({ code: "auth/user-not-found" })).toBe(describeSignInError({ code: "auth/wrong-password" }));
    expect(describeSignInError({ code: "auth/invalid-credential" })).toBe("Wrong email or password");
  });
});
