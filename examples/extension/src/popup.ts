/**
 * @module popup
 * The extension's popup: email/password sign-in with Firebase Auth (the web-extension build of
 * the SDK, which keeps the session in the extension's IndexedDB), a text box whose lines go to the
 * gateway's `infer`, the results, the quota left, and a plain-words message when a call is refused.
 * `body[data-state]` is `loading`, `signed-out`, `ready` or `busy`; the browser test waits on it.
 */
import { initializeApp } from "firebase/app";
import {
  connectAuthEmulator,
  getAuth,
  onAuthStateChanged,
  signInWithEmailAndPassword,
  signOut,
} from "firebase/auth/web-extension";
import type { User } from "firebase/auth";
import { connectFunctionsEmulator, getFunctions } from "firebase/functions";
import { createGatekeeperClient, GatekeeperError, MAX_INPUTS, type QuotaStatus } from "@gatekeeper/client";
import { config } from "./config";
import { describeError, describeQuota, describeSignInError } from "./format";

const app = initializeApp(config.firebase);
const auth = getAuth(app);
const functions = getFunctions(app, config.region);
if (config.emulators.auth) connectAuthEmulator(auth, `http://${config.emulators.auth}`, { disableWarnings: true });
if (config.emulators.functions) {
  const [host, port] = config.emulators.functions.split(":");
  connectFunctionsEmulator(functions, host ?? "127.0.0.1", Number(port));
}
// Retries only a busy or restarting model, for at most 10 s in all, with one requestId.
const gatekeeper = createGatekeeperClient(app, { functions, retry: { maxAttempts: 3, maxDelaySeconds: 5 } });

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const ui = {
  account: $("account"),
  who: $("who"),
  signOut: $<HTMLButtonElement>("sign-out"),
  signIn: $<HTMLFormElement>("sign-in"),
  email: $<HTMLInputElement>("email"),
  password: $<HTMLInputElement>("password"),
  classify: $<HTMLFormElement>("classify"),
  text: $<HTMLTextAreaElement>("text"),
  send: $<HTMLButtonElement>("send"),
  results: $<HTMLOListElement>("results"),
  quota: $("quota"),
  message: $("message"),
};

let lastQuota: QuotaStatus | undefined;

function setState(state: "loading" | "signed-out" | "ready" | "busy"): void {
  document.body.dataset.state = state;
  ui.send.disabled = state === "busy";
}

function say(text: string | undefined): void {
  ui.message.textContent = text ?? "";
  ui.message.hidden = !text;
}

function showQuota(q: QuotaStatus): void {
  lastQuota = q;
  ui.quota.textContent = describeQuota(q);
}

function showSignedIn(user: User): void {
  ui.signIn.hidden = true;
  ui.classify.hidden = false;
  ui.account.hidden = false;
  ui.who.textContent = user.email ?? user.uid;
}

function showSignedOut(): void {
  ui.signIn.hidden = false;
  ui.classify.hidden = true;
  ui.account.hidden = true;
  ui.results.replaceChildren();
  ui.quota.textContent = "";
  lastQuota = undefined;
  setState("signed-out");
}

async function refreshQuota(): Promise<void> {
  try {
    showQuota(await gatekeeper.getQuota());
  } catch (err) {
    say(describeError(err, lastQuota));
  }
}

onAuthStateChanged(auth, async (user) => {
  if (!user) return showSignedOut();
  showSignedIn(user);
  setState("busy");
  await refreshQuota();
  setState("ready");
});

ui.signIn.addEventListener("submit", async (event) => {
  event.preventDefault();
  say(undefined);
  setState("busy");
  try {
    await signInWithEmailAndPassword(auth, ui.email.value.trim(), ui.password.value);
    ui.password.value = "";
  } catch (err) {
    say(describeSignInError(err));
    setState("signed-out");
  }
});

ui.signOut.addEventListener("click", () => {
  say(undefined);
  void signOut(auth);
});

ui.classify.addEventListener("submit", async (event) => {
  event.preventDefault();
  const inputs = ui.text.value
    .split("\n")
    .map((line) => line.trim())
    .filter(Boolean);
  if (inputs.length === 0) return;
  if (inputs.length > MAX_INPUTS) return say(`At most ${MAX_INPUTS} lines at a time`);
  say(undefined);
  setState("busy");
  try {
    const answer = await gatekeeper.infer(inputs);
    ui.results.replaceChildren(
      ...answer.outputs.map((o, i) => {
        const li = document.createElement("li");
        const label = document.createElement("span");
        label.className = `label ${o.label}`;
        label.textContent = o.label;
        const score = document.createElement("span");
        score.className = "score";
        score.textContent = ` ${o.score.toFixed(2)}`;
        li.title = inputs[i] ?? "";
        li.append(label, score);
        return li;
      }),
    );
    showQuota(answer.quota);
  } catch (err) {
    say(describeError(err, lastQuota));
    if (err instanceof GatekeeperError && err.code === "resource-exhausted") await refreshQuota();
  } finally {
    setState("ready");
  }
});
