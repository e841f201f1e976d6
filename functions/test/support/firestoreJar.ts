/**
 * A private Firestore emulator (the official jar) on its own free port, for tests that stop,
 * freeze or restart Firestore without disturbing the shared emulator the other suites use.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { createServer } from "node:net";
import { homedir } from "node:os";
import { join } from "node:path";

/** The jar scripts/lib.sh finds (FIRESTORE_EMULATOR_JAR, Debian's package, firebase-tools' cache), or undefined. */
export function findFirestoreJar(): string | undefined {
  const fromEnv = process.env.FIRESTORE_EMULATOR_JAR;
  if (fromEnv && existsSync(fromEnv)) return fromEnv;
  try {
    const listed = execFileSync("dpkg", ["-L", "google-cloud-cli-firestore-emulator"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
    const jar = listed.split("\n").find((l) => /cloud-firestore-emulator.*\.jar$/.test(l));
    if (jar && existsSync(jar)) return jar;
  } catch {
    // not a Debian machine, or the package is not installed
  }
  const cache = join(homedir(), ".cache/firebase/emulators");
  const cached = existsSync(cache) ? readdirSync(cache).filter((f) => /^cloud-firestore-emulator-.*\.jar$/.test(f)).sort() : [];
  return cached.length ? join(cache, cached[cached.length - 1]!) : undefined;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export class FirestoreJar {
  private child: ChildProcess | undefined;

  constructor(readonly jar: string, readonly port: number, readonly projectId: string) {}

  get host(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** Starts the emulator and waits (at most 60 s) until it answers. */
  async start(): Promise<void> {
    this.child = spawn(
      "java",
      ["-cp", this.jar, "com.google.cloud.datastore.emulator.firestore.CloudFirestore", "--host", "127.0.0.1", "--port", String(this.port), "--project_id", this.projectId],
      { stdio: "ignore" },
    );
    const deadline = Date.now() + 60_000;
    for (;;) {
      try {
        if ((await fetch(`http://${this.host}/`)).ok) return;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error(`the Firestore emulator on ${this.host} did not start within 60 s`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /** SIGKILL, as a crash: everything it held in memory is gone. */
  async kill(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((r) => child.once("exit", r));
    child.kill("SIGKILL");
    await exited;
  }

  /** SIGSTOP / SIGCONT: the process keeps its sockets and data but answers nothing (a hung backend). */
  freeze(): void {
    this.child?.kill("SIGSTOP");
  }

  thaw(): void {
    this.child?.kill("SIGCONT");
  }
}
