/**
 * The admin CLI, run as a process (the compiled functions/lib/admin/cli.js) against the Firestore
 * emulator, checked through what it prints, its exit code and the documents it leaves.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { getApps, initializeApp } from "firebase-admin/app";
import { type Firestore, getFirestore } from "firebase-admin/firestore";
import { clearFirestore, firestoreHost } from "../support/emulator";

const PROJECT = "demo-gatekeeper-admin";
const CLI = resolve(__dirname, "../../lib/admin/cli.js");
let db: Firestore;

function admin(...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    env: { ...process.env, GCLOUD_PROJECT: PROJECT, FIRESTORE_EMULATOR_HOST: firestoreHost() },
    encoding: "utf8",
    timeout: 30_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

beforeAll(() => {
  if (!existsSync(CLI)) throw new Error("build the functions first (npm run build)");
  if (getApps().length === 0) initializeApp({ projectId: PROJECT });
  db = getFirestore();
});

beforeEach(async () => {
  await clearFirestore(PROJECT);
  await db.doc("plans/free").set({ limits: { minute: { calls: 5 }, day: { calls: 50, units: 500 } } });
  await db.doc("plans/pro").set({ maxInFlight: 8, limits: { day: { calls: 1000 } } });
  await db.doc("plans/broken").set({ limits: { week: { calls: 1 } } });
});

describe("admin CLI", () => {
  it("lists plans as a table, flagging malformed ones", () => {
    const { code, out } = admin("plans");
    expect(code).toBe(0);
    expect(out).toMatch(/^plan\s+access\s+in flight\s+per minute\s+per day\s+per month/m);
    expect(out).toMatch(/^free \(default\)\s+yes\s+2\s+5 calls\s+50 calls, 500 units\s+-/m);
    expect(out).toMatch(/^pro\s+yes\s+8\s+-\s+1000 calls/m);
    expect(out).toMatch(/^broken\s+-.*limits: /m);
  });

  it("moves a user to a plan, grants credits, bans and unbans, and shows it all", async () => {
    expect(admin("set-plan", "u1", "pro")).toMatchObject({ code: 0, out: "user u1 is now on plan pro\n" });
    expect(admin("grant", "u1", "5").out).toBe("user u1 now has 5 credits\n");
    expect(admin("grant", "u1", "-2").out).toBe("user u1 now has 3 credits\n");
    expect(admin("ban", "u1").code).toBe(0);
    expect((await db.doc("quotas/u1").get()).data()).toEqual({ planId: "pro", credits: 3, banned: true });
    const shown = admin("show", "u1");
    expect(shown.code).toBe(0);
    expect(shown.out).toMatch(/user u1: plan pro, BANNED/);
    expect(shown.out).toMatch(/remaining 1003 calls, credits 3, in flight 0\/8/);
    expect(shown.out).toMatch(/^day\s+0\/1000\s+0\/-/m);
    expect(admin("unban", "u1").code).toBe(0);
    expect((await db.doc("quotas/u1").get()).get("banned")).toBe(false);
  });

  it("flips the kill switch and manages the budget", async () => {
    expect(admin("kill-switch", "on", "Back", "at", "14:00").code).toBe(0);
    expect((await db.doc("gateway/config").get()).data()).toMatchObject({ killSwitch: true, killSwitchMessage: "Back at 14:00" });
    expect(admin("budget", "set", "250").code).toBe(0);
    const day = new Date().toISOString().slice(0, 10);
    await db.doc(`gateway/config/budgetShards/${day}_0`).set({ day, calls: 7 });
    await db.doc(`gateway/config/budgetShards/${day}_3`).set({ day, calls: 5 });
    expect(admin("budget", "show").out).toMatch(new RegExp(`^${day}\\s+12\\s+250\\s+ON$`, "m"));
    expect(admin("budget", "reset").out).toMatch(/deleted 2 budget shards/);
    expect(admin("kill-switch", "off").code).toBe(0);
    expect(admin("budget", "show").out).toMatch(new RegExp(`^${day}\\s+0\\s+250\\s+off$`, "m"));
  });

  it.each([
    [["frobnicate"], /unknown command "frobnicate"/],
    [["grant", "u1"], /expected: grant <user> <credits>/],
    [["grant", "u1", "lots"], /<credits> must be a whole number/],
    [["kill-switch", "maybe"], /expected: kill-switch on/],
    [["budget", "set", "-5"], /whole number of calls, 0 or more/],
    [["show"], /expected: show <user>/],
    [["plans", "--bogus"], /unknown option "--bogus"/],
  ])("refuses %j with a clear message and a non-zero exit", (args, message) => {
    const { code, err } = admin(...(args as string[]));
    expect(code).not.toBe(0);
    expect(err).toMatch(message);
  });

  it("fails with exit 1, changing nothing, when the plan does not exist", async () => {
    const { code, err } = admin("set-plan", "u2", "platinum");
    expect(code).toBe(1);
    expect(err).toMatch(/no plan "platinum" \(plans: broken, free, pro\)/);
    expect((await db.doc("quotas/u2").get()).exists).toBe(false);
  });
});
