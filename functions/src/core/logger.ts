/**
 * @module logger
 * The logging seam of the core. Fields are structured; callers never pass inputs, outputs or secrets.
 */

export type LogFields = Record<string, string | number | boolean | null | undefined>;

export interface Logger {
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

/** A logger that keeps entries in memory; used by tests to assert on what was (not) logged. */
export class MemoryLogger implements Logger {
  readonly entries: { level: "info" | "warn" | "error"; message: string; fields?: LogFields }[] = [];
  info(message: string, fields?: LogFields): void {
    this.entries.push({ level: "info", message, fields });
  }
  warn(message: string, fields?: LogFields): void {
    this.entries.push({ level: "warn", message, fields });
  }
  error(message: string, fields?: LogFields): void {
    this.entries.push({ level: "error", message, fields });
  }
  text(): string {
    return JSON.stringify(this.entries);
  }
}
