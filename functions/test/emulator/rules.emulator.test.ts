/**
 * firestore.rules against the real Firestore emulator: users read their own quota and usage and
 * nothing else of the gateway's; no user writes any of it; the Admin SDK (rules disabled) can.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import {
  assertFails,
  assertSucceeds,
  initializeTestEnvironment,
  type RulesTestEnvironment,
} from "@firebase/rules-unit-testing";
import { deleteDoc, doc, getDoc, getDocs, collection, setDoc, updateDoc } from "firebase/firestore";
import { firestoreHost } from "../support/emulator";

const PROJECT = "demo-gatekeeper-rules";
let env: RulesTestEnvironment;

beforeAll(async () => {
  const [host, port] = firestoreHost().split(":");
  env = await initializeTestEnvironment({
    projectId: PROJECT,
    firestore: {
      host,
      port: Number(port),
      rules: readFileSync(resolve(__dirname, "../../../firestore.rules"), "utf8"),
    },
  });
});

afterAll(() => env.cleanup());

beforeEach(async () => {
  await env.clearFirestore();
  await env.withSecurityRulesDisabled(async (ctx) => {
    const db = ctx.firestore();
    await setDoc(doc(db, "plans/free"), { limits: { day: { calls: 50 } } });
    await setDoc(doc(db, "quotas/alice"), { planId: "free", windows: { day: { key: "2026-01-01", calls: 3, units: 3 } } });
    await setDoc(doc(db, "quotas/alice/usage/call-1"), { uid: "alice", outcome: "ok" });
    await setDoc(doc(db, "quotas/alice/days/2026-01-01"), { calls: 3 });
    await setDoc(doc(db, "quotas/bob"), { windows: { day: { key: "2026-01-01", calls: 1, units: 1 } } });
    await setDoc(doc(db, "quotas/bob/usage/call-2"), { uid: "bob", outcome: "ok" });
    await setDoc(doc(db, "quotas/bob/days/2026-01-01"), { calls: 1 });
    await setDoc(doc(db, "gateway/config"), { killSwitch: false, dailyBudgetCalls: 100 });
    await setDoc(doc(db, "gateway/config/budgetShards/2026-01-01_0"), { day: "2026-01-01", calls: 4 });
  });
});

describe("a signed-in user", () => {
  const alice = () => env.authenticatedContext("alice").firestore();

  it("reads their own quota document and usage records", async () => {
    await assertSucceeds(getDoc(doc(alice(), "quotas/alice")));
    await assertSucceeds(getDoc(doc(alice(), "quotas/alice/usage/call-1")));
    await assertSucceeds(getDocs(collection(alice(), "quotas/alice/usage")));
    await assertSucceeds(getDoc(doc(alice(), "quotas/alice/days/2026-01-01")));
  });

  it("cannot read another user's quota or usage, nor list all quotas", async () => {
    await assertFails(getDoc(doc(alice(), "quotas/bob")));
    await assertFails(getDoc(doc(alice(), "quotas/bob/usage/call-2")));
    await assertFails(getDocs(collection(alice(), "quotas/bob/usage")));
    await assertFails(getDocs(collection(alice(), "quotas")));
    await assertFails(getDoc(doc(alice(), "quotas/bob/days/2026-01-01")));
  });

  it("cannot write their own quota, usage or plan in any way", async () => {
    await assertFails(updateDoc(doc(alice(), "quotas/alice"), { "windows.day.calls": 0 }));
    await assertFails(updateDoc(doc(alice(), "quotas/alice"), { credits: 1000 }));
    await assertFails(updateDoc(doc(alice(), "quotas/alice"), { inFlight: {} }));
    await assertFails(setDoc(doc(alice(), "quotas/alice"), { planId: "pro" }, { merge: true }));
    await assertFails(deleteDoc(doc(alice(), "quotas/alice")));
    await assertFails(setDoc(doc(alice(), "quotas/alice/usage/forged"), { outcome: "ok" }));
    await assertFails(deleteDoc(doc(alice(), "quotas/alice/usage/call-1")));
    await assertFails(setDoc(doc(alice(), "quotas/alice/days/2026-01-01"), { calls: 0 }));
    await assertFails(setDoc(doc(alice(), "plans/free"), { limits: { day: { calls: 1_000_000 } } }));
    await assertFails(setDoc(doc(alice(), "plans/mine"), { limits: { day: { calls: 1_000_000 } } }));
  });

  it("cannot read or touch the gateway's config, kill switch or budget", async () => {
    await assertFails(getDoc(doc(alice(), "gateway/config")));
    await assertFails(setDoc(doc(alice(), "gateway/config"), { killSwitch: true }));
    await assertFails(getDoc(doc(alice(), "gateway/config/budgetShards/2026-01-01_0")));
    await assertFails(setDoc(doc(alice(), "gateway/config/budgetShards/2026-01-01_0"), { calls: 0 }));
  });

  it("cannot read plans or anything not granted", async () => {
    await assertFails(getDoc(doc(alice(), "plans/free")));
    await assertFails(getDoc(doc(alice(), "anything/else")));
    await assertFails(setDoc(doc(alice(), "anything/else"), { x: 1 }));
  });
});

describe("a visitor who is not signed in", () => {
  it("reads and writes nothing", async () => {
    const db = env.unauthenticatedContext().firestore();
    await assertFails(getDoc(doc(db, "quotas/alice")));
    await assertFails(getDoc(doc(db, "quotas/alice/usage/call-1")));
    await assertFails(getDoc(doc(db, "plans/free")));
    await assertFails(setDoc(doc(db, "quotas/alice"), { credits: 5 }));
    await assertFails(getDoc(doc(db, "gateway/config")));
  });
});

describe("the Admin SDK (rules bypassed)", () => {
  it("reads and writes everything the gateway owns", async () => {
    await env.withSecurityRulesDisabled(async (ctx) => {
      const db = ctx.firestore();
      await assertSucceeds(setDoc(doc(db, "quotas/alice"), { credits: 5 }, { merge: true }));
      await assertSucceeds(setDoc(doc(db, "plans/pro"), { limits: { day: { calls: 1000 } } }));
      await assertSucceeds(setDoc(doc(db, "gateway/config"), { killSwitch: true }, { merge: true }));
      await assertSucceeds(getDoc(doc(db, "quotas/bob/usage/call-2")));
    });
  });
});
