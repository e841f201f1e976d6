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
  free: { displayName: "Free", dailyCalls: 50, modelAccess: true },
  demo: { displayName: "Demo (runs out fast)", dailyCalls: 5, modelAccess: true },
  none: { displayName: "No model access", dailyCalls: 0, modelAccess: false },
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
  await db.collection(QUOTAS).doc(DEMO_USER.uid).set({ planId: "demo", dailyUsed: 0 });
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
