/**
 * Helpers for tests against the real Firestore emulator (started by scripts/test.sh, or by hand:
 * see the README). Each test file uses its own `demo-` project so files never see each other's data.
 */
export function firestoreHost(): string {
  const host = process.env.FIRESTORE_EMULATOR_HOST;
  if (!host) throw new Error("FIRESTORE_EMULATOR_HOST is not set: these tests need the Firestore emulator (npm test starts it)");
  return host;
}

export async function clearFirestore(projectId: string): Promise<void> {
  const res = await fetch(`http://${firestoreHost()}/emulator/v1/projects/${projectId}/databases/(default)/documents`, {
    method: "DELETE",
  });
  if (!res.ok) throw new Error(`could not clear the Firestore emulator: HTTP ${res.status}`);
}
