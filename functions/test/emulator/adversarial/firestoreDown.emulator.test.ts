/**
 * Firestore fails under the gateway: a private emulator (its own jar, its own port) is frozen
 * (SIGSTOP: a hung backend, the data kept) and killed (SIGKILL: a crash), then brought back. Calls
 * made meanwhile get `unavailable` within the store deadline, never reach the model and leave no
 * charge; once Firestore is back the gateway serves again without a restart of its own.
 */
import { deleteApp, initializeApp, type App } from "firebase-admin/app";
import { type Firestore, getFirestore } from "firebase-admin/firestore";
import { buildCore, eventually, ledger, outcomes } from "../../support/adversarial";
import { FirestoreJar, findFirestoreJar, freePort } from "../../support/firestoreJar";
import { StubServer } from "../../support/stubServer";

const PROJECT = "demo-adv-firestore-down";
const STORE_DEADLINE_MS = 1_500;
const jar = findFirestoreJar();
let emulator: FirestoreJar;
let app: App;
let db: Firestore;
const model = new StubServer();
let core: ReturnType<typeof buildCore>;
const savedHost = process.env.FIRESTORE_EMULATOR_HOST;

jest.setTimeout(120_000);

beforeAll(async () => {
  if (!jar) return;
  emulator = new FirestoreJar(jar, await freePort(), PROJECT);
  await emulator.start();
  // The Admin SDK reads the emulator's address when the Firestore instance is created.
  process.env.FIRESTORE_EMULATOR_HOST = emulator.host;
  app = initializeApp({ projectId: PROJECT }, "firestore-down");
  db = getFirestore(app);
  core = buildCore(db, { inferenceUrl: await model.start(), storeDeadlineMs: STORE_DEADLINE_MS });
  await seed();
});

afterAll(async () => {
  process.env.FIRESTORE_EMULATOR_HOST = savedHost;
  emulator?.thaw();
  await model.stop();
  if (app) await deleteApp(app).catch(() => undefined);
  await emulator?.kill();
});

async function seed() {
  await db.doc("plans/free").set({ maxInFlight: 20, limits: { day: { calls: 1000 } } });
}

const call = (uid: string) => core.infer({ uid, data: { inputs: ["firestore fault"] } });

// Without the jar (a machine where firebase-tools downloads its own Firestore), there is no
// emulator this test may stop without stopping everyone else's: it is skipped, and says so.
const withJar = jar ? describe : describe.skip;

withJar("Firestore stops answering", () => {
  it("frozen: unavailable within the deadline, nothing reaches the model, nothing stays charged", async () => {
    expect(await outcomes([call("frozen"), call("frozen")])).toEqual({ ok: 2 });
    const modelBefore = model.requests.length;

    emulator.freeze();
    const started = Date.now();
    const during = await outcomes(Array.from({ length: 5 }, () => call("frozen")));
    const waited = Date.now() - started;
    emulator.thaw();

    expect(during).toEqual({ "unavailable:": 5 });
    expect(waited).toBeLessThan(STORE_DEADLINE_MS + 3_000);
    expect(model.requests.length).toBe(modelBefore);

    // Reservations that were still queued when the callers gave up either roll back or are given
    // back: once everything settles, exactly the 2 served calls are charged and recorded as ok.
    await eventually(async () => {
      const l = await ledger(db, "frozen");
      return l.inFlight === 0 && !l.byStatus.pending;
    });
    const after = await ledger(db, "frozen");
    expect(after.dayCalls).toBe(2);
    expect(after.byStatus.ok).toBe(2);
    expect(after.records).toBe(2 + (after.byOutcome.store_timeout ?? 0));
    expect(after.rollup).toEqual({ calls: 2, refunded: after.byOutcome.store_timeout ?? 0 });

    expect(await outcomes([call("frozen")])).toEqual({ ok: 1 });
    expect((await ledger(db, "frozen")).dayCalls).toBe(3);
  });

  it("killed: unavailable within the deadline, nothing reaches the model; restarted: serves again", async () => {
    expect(await outcomes([call("killed")])).toEqual({ ok: 1 });
    const modelBefore = model.requests.length;

    await emulator.kill();
    const started = Date.now();
    const during = await outcomes(Array.from({ length: 5 }, () => call("killed")));
    expect(during).toEqual({ "unavailable:": 5 });
    expect(Date.now() - started).toBeLessThan(STORE_DEADLINE_MS + 3_000);
    expect(model.requests.length).toBe(modelBefore);

    // A restarted emulator is empty (it keeps data in memory): seed the plan again, as an operator
    // restoring a backup would, and the same gateway (same Firestore client) serves again.
    await emulator.start();
    await eventually(async () => {
      try {
        await seed();
        return true;
      } catch {
        return false;
      }
    }, 30_000);
    let served: Record<string, number> = {};
    await eventually(async () => {
      served = await outcomes([call("killed")]);
      return served.ok === 1;
    }, 30_000);
    const after = await ledger(db, "killed");
    expect(after.byStatus.ok).toBe(after.dayCalls);
    expect(after.records).toBe(after.dayCalls);
  });
});
