/**
 * @module seed
 * Seeds the plans every deployment needs and, on the emulators, a demo user whose small plan shows
 * the quota running out. Safe to run again: it overwrites the seeded documents and resets the demo
 * user's counter.
 *
 *   node functions/lib/admin/seed.js            # uses GCLOUD_PROJECT and the *_EMULATOR_HOST variables
 */
import { getApps, initializeApp } from "firebase-admin/app";
import { getAuth } from "firebase-admin/auth";
import { getFirestore } from "firebase-admin/firestore";
import { PLANS, QUOTAS } from "../core/firestoreQuotaStore";
import type { Plan } from "../core/schema";

export const SEED_PLANS: Record<string, Plan> = {
  free: {
    displayName: "Free",
    modelAccess: true,
    maxInFlight: 2,
    limits: { minute: { calls: 10 }, day: { calls: 50, units: 2000 }, month: { calls: 1000 } },
  },
  pro: {
    displayName: "Pro",
    modelAccess: true,
    maxInFlight: 8,
    limits: { minute: { calls: 60 }, day: { calls: 2000, units: 100_000 }, month: { calls: 40_000 } },
  },
  demo: {
    displayName: "Demo (runs out fast)",
    modelAccess: true,
    maxInFlight: 2,
    limits: { minute: { calls: 10 }, day: { calls: 5 } },
  },
  none: { displayName: "No model access", modelAccess: false, maxInFlight: 1, limits: { day: { calls: 0 } } },
};

export const DEMO_USER = { uid: "demo-user", email: "demo@example.com", password: "demo-password" };

async function main(): Promise<void> {
  const projectId = process.env.GCLOUD_PROJECT ?? process.env.GOOGLE_CLOUD_PROJECT;
  if (!projectId) throw new Error("set GCLOUD_PROJECT to the project to seed");
  if (getApps().length === 0) initializeApp({ projectId });
  const db = getFirestore();

  for (const [id, plan] of Object.entries(SEED_PLANS)) {
    await db.collection(PLANS).doc(id).set(plan);
  }
  console.log(`seeded plans: ${Object.keys(SEED_PLANS).join(", ")} (project ${projectId})`);

  if (!process.env.FIREBASE_AUTH_EMULATOR_HOST) {
    console.log("no Auth emulator configured: demo user not created");
    return;
  }
  const auth = getAuth();
  try {
    await auth.updateUser(DEMO_USER.uid, { email: DEMO_USER.email, password: DEMO_USER.password });
  } catch {
    await auth.createUser(DEMO_USER);
  }
  // A fresh start for the demo: plan "demo", counters and slots cleared.
  await db.collection(QUOTAS).doc(DEMO_USER.uid).set({ planId: "demo" });
  console.log(`seeded demo user: ${DEMO_USER.email} / ${DEMO_USER.password} on plan "demo"`);
}

if (require.main === module) {
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(`seed failed: ${err instanceof Error ? err.message : String(err)}`);
      process.exit(1);
    },
  );
}
