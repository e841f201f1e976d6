// The extension's side of the story, in plain Node with the Firebase web SDK: sign in against the
// Auth emulator, then call `infer` through the Functions emulator until the quota runs out.
// Run `npm start` first, then `npm run demo`.
import { initializeApp } from "firebase/app";
import { connectAuthEmulator, getAuth, signInWithEmailAndPassword } from "firebase/auth";
import { connectFunctionsEmulator, getFunctions, httpsCallable } from "firebase/functions";

const projectId = process.env.PROJECT_ID ?? "demo-gatekeeper";
const app = initializeApp({ projectId, apiKey: "demo-api-key", authDomain: `${projectId}.firebaseapp.com` });
const auth = getAuth(app);
connectAuthEmulator(auth, "http://127.0.0.1:9099", { disableWarnings: true });
const functions = getFunctions(app);
connectFunctionsEmulator(functions, "127.0.0.1", 5001);

const { user } = await signInWithEmailAndPassword(auth, "demo@example.com", "demo-password");
console.log(`signed in as ${user.email} (uid ${user.uid})`);

const infer = httpsCallable(functions, "infer");
const getQuota = httpsCallable(functions, "getQuota");
const texts = ["I love this extension", "This is terrible", "Fine, I guess"];
for (let i = 1; i <= 8; i++) {
  try {
    const { data } = await infer({ inputs: texts });
    const labels = data.outputs.map((o) => `${o.label} ${o.score.toFixed(2)}`).join(", ");
    const day = data.quota.windows.find((w) => w.window === "day");
    console.log(`call ${i}: ${labels}   [today ${day.calls.used}/${day.calls.limit} calls, ${data.quota.remaining} left]`);
  } catch (err) {
    const wait = err.details?.retryAfterSeconds;
    console.log(`call ${i}: ${err.code} - ${err.message}${wait ? ` (retry in ${wait}s)` : ""}`);
    if (err.code === "functions/resource-exhausted") break;
  }
}
const { data: quota } = await getQuota();
console.log(`getQuota: plan ${quota.planId}, ${quota.remaining} calls left, ` +
  quota.windows.map((w) => `${w.window} ${w.calls.used}/${w.calls.limit ?? "-"}`).join(", "));
process.exit(0);
