// Builds the example extension into dist/ (or --outdir DIR): bundles the popup with esbuild, copies
// its HTML and CSS, and writes manifest.json with a content security policy that allows exactly
// the endpoints this build talks to. Configuration, later sources winning:
//   1. the local emulators of the `demo-gatekeeper` project (Auth 127.0.0.1:9099, Functions 127.0.0.1:5001);
//   2. a JSON file: --config FILE, else ./config.json when present (see config.example.json);
//   3. the environment: FIREBASE_API_KEY, FIREBASE_AUTH_DOMAIN, FIREBASE_PROJECT_ID, FIREBASE_APP_ID,
//      FUNCTIONS_REGION, AUTH_EMULATOR_HOST and FUNCTIONS_EMULATOR_HOST (host:port; "none" for a real
//      project), EXTENSION_KEY (a base64 public key: pins the extension id, as the browser test does).
import { build } from "esbuild";
import { copyFile, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const here = dirname(fileURLToPath(import.meta.url));
const { values: args } = parseArgs({
  options: { outdir: { type: "string" }, config: { type: "string" } },
});

export async function loadConfig(env = process.env, file = args.config) {
  let config = {
    firebase: { apiKey: "demo-api-key", authDomain: "demo-gatekeeper.firebaseapp.com", projectId: "demo-gatekeeper" },
    region: "us-central1",
    emulators: { auth: "127.0.0.1:9099", functions: "127.0.0.1:5001" },
  };
  const path = file ? resolve(file) : join(here, "config.json");
  if (file || existsSync(path)) {
    const fromFile = JSON.parse(await readFile(path, "utf8"));
    config = { ...config, ...fromFile, emulators: fromFile.emulators ?? {} };
  }
  const firebase = { ...config.firebase };
  for (const [key, name] of [["apiKey", "FIREBASE_API_KEY"], ["authDomain", "FIREBASE_AUTH_DOMAIN"], ["projectId", "FIREBASE_PROJECT_ID"], ["appId", "FIREBASE_APP_ID"]]) {
    if (env[name]) firebase[key] = env[name];
  }
  const emulators = { ...config.emulators };
  for (const [key, name] of [["auth", "AUTH_EMULATOR_HOST"], ["functions", "FUNCTIONS_EMULATOR_HOST"]]) {
    if (env[name] === "none") delete emulators[key];
    else if (env[name]) emulators[key] = env[name];
  }
  for (const host of Object.values(emulators)) {
    if (!/^[\w.-]+:\d+$/.test(host)) throw new Error(`emulator host must be host:port, got ${JSON.stringify(host)}`);
  }
  if (!firebase.projectId || !firebase.apiKey) throw new Error("the Firebase config needs at least apiKey and projectId");
  return { firebase, region: env.FUNCTIONS_REGION || config.region || "us-central1", emulators };
}

/** Only the origins this build calls: the emulators, or Firebase Auth, App Check and the functions' host. */
export function connectSources(config) {
  const sources = new Set(["'self'"]);
  const { emulators, firebase, region } = config;
  if (emulators.auth) sources.add(`http://${emulators.auth}`);
  else ["https://identitytoolkit.googleapis.com", "https://securetoken.googleapis.com"].forEach((s) => sources.add(s));
  if (emulators.functions) sources.add(`http://${emulators.functions}`);
  else sources.add(`https://${region}-${firebase.projectId}.cloudfunctions.net`);
  sources.add("https://content-firebaseappcheck.googleapis.com");
  return [...sources];
}

export function manifest(config, key) {
  return {
    manifest_version: 3,
    name: "Gatekeeper example: sentiment",
    version: "0.1.0",
    description: "Classifies text with the model behind the gateway, within your quota.",
    action: { default_popup: "popup.html", default_title: "Sentiment" },
    // No permissions: the popup only talks to Firebase over CORS and keeps its session in IndexedDB.
    permissions: [],
    content_security_policy: {
      extension_pages: `default-src 'self'; script-src 'self'; object-src 'self'; connect-src ${connectSources(config).join(" ")}`,
    },
    ...(key ? { key } : {}),
  };
}

async function main() {
  const config = await loadConfig();
  const outdir = resolve(args.outdir ?? join(here, "dist"));
  await rm(outdir, { recursive: true, force: true });
  await mkdir(outdir, { recursive: true });
  const options = {
    entryPoints: [join(here, "src/popup.ts")],
    bundle: true,
    format: "esm",
    target: "chrome120",
    minify: true,
    sourcemap: "linked",
    outfile: join(outdir, "popup.js"),
    define: { __EXTENSION_CONFIG__: JSON.stringify(config) },
    logLevel: "warning",
  };
  await build(options);
  await copyFile(join(here, "src/popup.html"), join(outdir, "popup.html"));
  await copyFile(join(here, "src/popup.css"), join(outdir, "popup.css"));
  await writeFile(join(outdir, "manifest.json"), JSON.stringify(manifest(config, process.env.EXTENSION_KEY), null, 2) + "\n");
  const where = Object.keys(config.emulators).length
    ? `emulators ${Object.entries(config.emulators).map(([k, v]) => `${k} ${v}`).join(", ")}`
    : `region ${config.region}`;
  console.log(`built ${outdir} for project ${config.firebase.projectId} (${where})`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((err) => {
    console.error(err.message ?? err);
    process.exit(1);
  });
}
