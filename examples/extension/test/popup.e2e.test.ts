/**
 * The example extension in a real browser: Debian's chromium (headless, driven by playwright-core)
 * loads the unpacked build, opens its popup page, signs in against the Auth emulator and calls
 * `infer` through the Functions emulator to the real inference server, then runs out of quota.
 * Run by scripts/test.sh inside `firebase emulators:exec` (FIREBASE_AUTH_EMULATOR_HOST,
 * FUNCTIONS_EMULATOR_ORIGIN, FIRESTORE_EMULATOR_HOST and GCLOUD_PROJECT set). Needs `chromium`
 * on the PATH (apt-get install -y chromium), or CHROMIUM_PATH.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { createHash, generateKeyPairSync, randomUUID } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { getApps, initializeApp } from "firebase-admin/app";
import { getAuth } from "firebase-admin/auth";
import { getFirestore, type Firestore } from "firebase-admin/firestore";
import { chromium, type BrowserContext, type Page } from "playwright-core";

jest.setTimeout(180_000);

const PROJECT = mustEnv("GCLOUD_PROJECT");
const PLAN = "extension-e2e-tiny";
const PASSWORD = "extension-e2e-password";
const SCREENSHOT = process.env.EXTENSION_SCREENSHOT ?? join(__dirname, "../../../.local/extension-popup.png");

function mustEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the browser test through npm test (inside firebase emulators:exec)`);
  return value;
}

function findChromium(): string {
  if (process.env.CHROMIUM_PATH) return process.env.CHROMIUM_PATH;
  const found = spawnSync("sh", ["-c", "command -v chromium"], { encoding: "utf8" }).stdout.trim();
  if (!found) throw new Error("chromium is not installed: apt-get install -y chromium (Debian), or set CHROMIUM_PATH");
  return found;
}

/**
 * A throwaway key pair pins the extension's id: the id is the first 128 bits of the SHA-256 of
 * the public key (DER), written with the letters a-p. That lets the test open the popup page
 * without a background service worker the extension itself does not need.
 */
function extensionKey(): { key: string; id: string } {
  const { publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const der = publicKey.export({ type: "spki", format: "der" });
  const hex = createHash("sha256").update(der).digest("hex").slice(0, 32);
  const id = [...hex].map((c) => String.fromCharCode(97 + parseInt(c, 16))).join("");
  return { key: der.toString("base64"), id };
}

let db: Firestore;
let context: BrowserContext;
let page: Page;
let extensionId: string;
let email: string;
let uid: string;
const dirs: string[] = [];

beforeAll(async () => {
  // The extension, built for these emulators, into a fresh folder.
  const out = mkdtempSync(join(tmpdir(), "extension-dist-"));
  dirs.push(out);
  const { key, id } = extensionKey();
  extensionId = id;
  execFileSync(process.execPath, [join(__dirname, "../build.mjs"), "--outdir", out, "--config", join(__dirname, "../config.example.json")], {
    env: {
      ...process.env,
      FIREBASE_PROJECT_ID: PROJECT,
      FIREBASE_AUTH_DOMAIN: `${PROJECT}.firebaseapp.com`,
      AUTH_EMULATOR_HOST: mustEnv("FIREBASE_AUTH_EMULATOR_HOST"),
      FUNCTIONS_EMULATOR_HOST: new URL(mustEnv("FUNCTIONS_EMULATOR_ORIGIN")).host,
      EXTENSION_KEY: key,
    },
    stdio: "pipe",
  });

  // A user on a plan of two calls a day, created with the Admin SDK against the emulators.
  if (getApps().length === 0) initializeApp({ projectId: PROJECT });
  db = getFirestore();
  await db.doc(`plans/${PLAN}`).set({ limits: { day: { calls: 2 } } });
  email = `ext-${randomUUID().slice(0, 8)}@example.com`;
  uid = (await getAuth().createUser({ email, password: PASSWORD })).uid;
  await db.doc(`quotas/${uid}`).set({ planId: PLAN });

  const userDataDir = mkdtempSync(join(tmpdir(), "extension-profile-"));
  dirs.push(userDataDir);
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: findChromium(),
    // Playwright's `--headless` is Chromium's new headless mode, which loads extensions.
    headless: true,
    ignoreDefaultArgs: ["--disable-extensions"],
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
      `--disable-extensions-except=${out}`,
      `--load-extension=${out}`,
    ],
    viewport: { width: 340, height: 440 },
  });
  page = await context.newPage();
});

afterAll(async () => {
  await context?.close();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const state = (p: Page, value: string) => p.waitForSelector(`body[data-state="${value}"]`, { timeout: 60_000 });

async function classify(p: Page, text: string): Promise<void> {
  await p.fill("#text", text);
  await p.click("#send");
  await p.waitForSelector('body[data-state="busy"]', { timeout: 5_000 }).catch(() => undefined);
  await state(p, "ready");
}

describe("the example extension in chromium", () => {
  it("loads unpacked, and its popup page runs from chrome-extension://", async () => {
    await page.goto(`chrome-extension://${extensionId}/popup.html`);
    await state(page, "signed-out");
    expect(new URL(page.url()).protocol).toBe("chrome-extension:");
    expect(await page.title()).toBe("Sentiment");
  });

  it("refuses a wrong password without saying whether the email exists", async () => {
    await page.fill("#email", email);
    await page.fill("#password", "not-the-password");
    await page.click("#sign-in-button");
    await page.waitForSelector("#message:not([hidden])");
    expect(await page.textContent("#message")).toBe("Wrong email or password");
  });

  it("signs in against the Auth emulator and shows the quota from getQuota", async () => {
    await page.fill("#password", PASSWORD);
    await page.click("#sign-in-button");
    await state(page, "ready");
    expect(await page.textContent("#who")).toBe(email);
    expect(await page.textContent("#quota")).toBe("2 of 2 calls left today");
    expect(await page.isHidden("#message")).toBe(true);
  });

  it("classifies each line with the real model through the Functions emulator and counts the call", async () => {
    await classify(page, "what a lovely day\nthis is awful");
    const labels = await page.$$eval("#results .label", (els) => els.map((e) => e.textContent));
    const scores = await page.$$eval("#results .score", (els) => els.map((e) => Number(e.textContent)));
    expect(labels).toHaveLength(2);
    labels.forEach((l) => expect(l).toMatch(/^(positive|negative)$/));
    scores.forEach((s) => expect(s).toBeGreaterThanOrEqual(0));
    expect(await page.textContent("#quota")).toBe("1 of 2 calls left today");
    // The gateway charged it in Firestore and recorded the model's answer.
    expect((await db.doc(`quotas/${uid}`).get()).get("windows.day.calls")).toBe(1);
    const usage = (await db.collection(`quotas/${uid}/usage`).get()).docs.map((d) => d.data());
    expect(usage).toEqual([expect.objectContaining({ status: "ok", inputs: 2 })]);
    expect(usage[0]?.result.outputs.map((o: { label: string }) => o.label)).toEqual(labels);
  });

  it("says how long to wait once today's calls are used", async () => {
    await classify(page, "one more");
    expect(await page.textContent("#quota")).toBe("0 of 2 calls left today");
    await classify(page, "and another");
    const message = await page.textContent("#message");
    expect(message).toMatch(/^You've used today's 2 calls; try again in (\d+ h( \d+ min)?|\d+ min|\d+ s)$/);
    // The wait is the time to the next UTC midnight, give or take the minute it took to get here.
    const midnight = new Date();
    midnight.setUTCHours(24, 0, 0, 0);
    const minutesLeft = Math.ceil((midnight.getTime() - Date.now()) / 60_000);
    const [, h, m] = /in (?:(\d+) h)? ?(?:(\d+) min)?/.exec(message ?? "") ?? [];
    if (h !== undefined || m !== undefined) {
      expect(Math.abs(Number(h ?? 0) * 60 + Number(m ?? 0) - minutesLeft)).toBeLessThanOrEqual(2);
    }
    expect(await page.textContent("#quota")).toBe("0 of 2 calls left today");
    expect((await db.doc(`quotas/${uid}`).get()).get("windows.day.calls")).toBe(2);
    mkdirSync(dirname(SCREENSHOT), { recursive: true });
    await page.locator("main").screenshot({ path: SCREENSHOT });
  });

  it("keeps the session when the popup is opened again", async () => {
    const again = await context.newPage();
    await again.goto(`chrome-extension://${extensionId}/popup.html`);
    await state(again, "ready");
    expect(await again.textContent("#who")).toBe(email);
    expect(await again.textContent("#quota")).toBe("0 of 2 calls left today");
    await again.close();
  });

  it("signs out", async () => {
    await page.click("#sign-out");
    await state(page, "signed-out");
    expect(await page.isVisible("#sign-in")).toBe(true);
    expect(await page.isHidden("#classify")).toBe(true);
  });
});
