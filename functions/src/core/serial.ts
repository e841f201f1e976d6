/**
 * @module serial
 * Runs async work one at a time per key. The gateway reserves, commits and refunds one user's
 * calls in order within an instance, so a flood from one user becomes a queue in memory instead of
 * dozens of transactions fighting over the same Firestore document (which the emulator, and to a
 * lesser degree Firestore itself, answer with lock timeouts and aborted transactions). Different
 * users never wait for each other, and other instances still meet in the transaction.
 */
export class KeyedSerial {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const result = previous.then(work, work);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }

  /** Keys with work queued or running (for tests and metrics). */
  get size(): number {
    return this.tails.size;
  }
}
