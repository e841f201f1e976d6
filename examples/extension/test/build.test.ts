/**
 * The build's configuration and manifest: the emulators by default, a real project from the
 * environment, and a content security policy that allows only the endpoints that build calls.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const root = join(__dirname, "..");

function runBuild(env: Record<string, string>, extraArgs: string[] = []) {
  const out = mkdtempSync(join(tmpdir(), "extension-build-"));
  const res = spawnSync(process.execPath, [join(root, "build.mjs"), "--outdir", out, ...extraArgs], {
    env: { PATH: process.env.PATH ?? "", ...env },
    encoding: "utf8",
  });
  const manifest = res.status === 0 ? JSON.parse(readFileSync(join(out, "manifest.json"), "utf8")) : undefined;
  const files = res.status === 0 ? readdirSync(out).sort() : [];
  const popup = res.status === 0 ? readFileSync(join(out, "popup.js"), "utf8") : "";
  rmSync(out, { recursive: true, force: true });
  return { res, manifest, files, popup };
}

describe("build.mjs", () => {
  it("builds for the local emulators by default, with no permissions", () => {
    const { res, manifest, files, popup } = runBuild({}, ["--config", join(root, "config.example.json")]);
    expect(res.stderr).toBe("");
    expect(files).toEqual(["manifest.json", "popup.css", "popup.html", "popup.js", "popup.js.map"]);
    expect(manifest).toMatchObject({ manifest_version: 3, action: { default_popup: "popup.html" }, permissions: [] });
    expect(manifest.host_permissions).toBeUndefined();
    expect(manifest.content_security_policy.extension_pages).toBe(
      "default-src 'self'; script-src 'self'; object-src 'self'; " +
        "connect-src 'self' http://127.0.0.1:9099 http://127.0.0.1:5001 https://content-firebaseappcheck.googleapis.com",
    );
    expect(popup).toContain('"demo-gatekeeper"');
  });

  it("builds for a real project from the environment, connecting only to Google's endpoints", () => {
    const { res, manifest, popup } = runBuild({
      FIREBASE_API_KEY: "AIza-test",
      FIREBASE_PROJECT_ID: "my-project",
      FIREBASE_AUTH_DOMAIN: "my-project.firebaseapp.com",
      FUNCTIONS_REGION: "europe-west1",
      AUTH_EMULATOR_HOST: "none",
      FUNCTIONS_EMULATOR_HOST: "none",
      EXTENSION_KEY: "TUlJQg==",
    }, ["--config", join(root, "config.example.json")]);
    expect(res.status).toBe(0);
    expect(manifest.key).toBe("TUlJQg==");
    const csp: string = manifest.content_security_policy.extension_pages;
    expect(csp).toContain("https://identitytoolkit.googleapis.com https://securetoken.googleapis.com https://europe-west1-my-project.cloudfunctions.net");
    expect(csp).not.toContain("127.0.0.1");
    expect(popup).toContain('"my-project"');
    expect(popup).not.toContain("127.0.0.1:9099");
  });

  it("refuses a malformed emulator host", () => {
    const { res } = runBuild({ AUTH_EMULATOR_HOST: "http://127.0.0.1:9099" }, ["--config", join(root, "config.example.json")]);
    expect(res.status).toBe(1);
    expect(res.stderr).toMatch(/host:port/);
  });

  it("reads a config file for a real project, where no emulator is listed", () => {
    const dir = mkdtempSync(join(tmpdir(), "extension-config-"));
    const file = join(dir, "config.json");
    writeFileSync(file, JSON.stringify({ firebase: { apiKey: "k", projectId: "prod-project" }, region: "us-east1" }));
    const { res, manifest } = runBuild({}, ["--config", file]);
    rmSync(dir, { recursive: true, force: true });
    expect(res.status).toBe(0);
    expect(manifest.content_security_policy.extension_pages).toContain("https://us-east1-prod-project.cloudfunctions.net");
  });
});
