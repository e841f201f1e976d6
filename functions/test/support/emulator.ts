/**
 * Helpers for tests against the real Firestore emulator (started by scripts/test.sh, or by hand:
 * see the README). Each test file uses its own `demo-` project so files never see each other's data.
 */
export function firestoreHost(): string {
  const host = process.env.FIRESTORE_EMULATOR_HOST;
  if (!host) throw new Error("FIRESTORE_EMULATOR_HOST is not set: these tests need the Firestore emulator (npm test starts it)");
  return host;
}

/**
 * Deletes every document of `projectId`. The emulator answers 409 while a transaction of an
 * earlier test still holds a lock (it expires within seconds), so a 409 is retried for a while.
 */
export async function clearFirestore(projectId: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const res = await fetch(`http://${firestoreHost()}/emulator/v1/projects/${projectId}/databases/(default)/documents`, {
      method: "DELETE",
    });
    if (res.ok) return;
    if (res.status !== 409 || Date.now() > deadline) {
      throw new Error(`could not clear the Firestore emulator: HTTP ${res.status}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}
