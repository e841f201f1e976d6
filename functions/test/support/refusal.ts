/**
 * The error a call was refused with; fails the test if the call succeeded. Pass the error class
 * when the test needs that type (anything else is rethrown), or a type argument for SDK errors.
 */
export async function refusal<E = Error>(promise: Promise<unknown>, kind?: new (...args: never[]) => E): Promise<E> {
  try {
    await promise;
  } catch (err) {
    if (!kind || err instanceof kind) return err as E;
    throw err;
  }
  throw new Error("expected the call to be refused");
}
