/**
 * @module windows
 * Quota windows: fixed, aligned to UTC. A minute window runs from :00.000 to :59.999 of a UTC
 * minute, a day window from 00:00 UTC, a month window from 00:00 UTC on the 1st. A call counts in
 * the windows that contain the instant it was reserved; each window's counter starts again from
 * zero at its boundary. Fixed windows keep the whole check inside one document read.
 */

export const WINDOWS = ["minute", "day", "month"] as const;
export type WindowName = (typeof WINDOWS)[number];

/** The window's identity, e.g. `2026-03-10T12:05` (minute), `2026-03-10` (day), `2026-03` (month). */
export function windowKey(window: WindowName, now: Date): string {
  const iso = now.toISOString();
  switch (window) {
    case "minute":
      return iso.slice(0, 16);
    case "day":
      return iso.slice(0, 10);
    case "month":
      return iso.slice(0, 7);
  }
}

/** The first instant after the window containing `now`. */
export function windowEnd(window: WindowName, now: Date): Date {
  const y = now.getUTCFullYear();
  const m = now.getUTCMonth();
  const d = now.getUTCDate();
  switch (window) {
    case "minute":
      return new Date(Date.UTC(y, m, d, now.getUTCHours(), now.getUTCMinutes() + 1));
    case "day":
      return new Date(Date.UTC(y, m, d + 1));
    case "month":
      return new Date(Date.UTC(y, m + 1, 1));
  }
}

/** Whole seconds until `end`, at least 1. */
export function secondsUntil(end: Date, now: Date): number {
  return Math.max(1, Math.ceil((end.getTime() - now.getTime()) / 1000));
}
