import { HttpsError } from "firebase-functions/v2/https";
import { toHttpsError } from "../../src/callable";
import { GatewayError, type GatewayErrorCode } from "../../src/core/errors";
import { MemoryLogger } from "../../src/core/logger";

describe("toHttpsError", () => {
  const codes: GatewayErrorCode[] = [
    "unauthenticated",
    "permission-denied",
    "invalid-argument",
    "resource-exhausted",
    "failed-precondition",
    "unavailable",
    "deadline-exceeded",
    "internal",
  ];

  it.each(codes)("maps %s to the callable code of the same name, keeping message and details", (code) => {
    const err = toHttpsError(new GatewayError(code, "msg", { retryAfterSeconds: 3 }), new MemoryLogger());
    expect(err).toBeInstanceOf(HttpsError);
    expect(err.code).toBe(code);
    expect(err.message).toBe("msg");
    expect(err.details).toEqual({ retryAfterSeconds: 3 });
  });

  it("hides unknown errors behind a generic internal error and logs only their name", () => {
    const logger = new MemoryLogger();
    const err = toHttpsError(new TypeError("db password is hunter2"), logger);
    expect(err.code).toBe("internal");
    expect(err.message).toBe("Internal error.");
    expect(logger.text()).toContain("TypeError");
    expect(logger.text()).not.toContain("hunter2");
  });
});
