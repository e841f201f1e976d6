/**
 * Gives every declared param its default in process.env, as `firebase deploy` and the emulator do
 * for params the developer did not set. Tests that load the real triggers call this first.
 */
import * as config from "../../src/config";

export function applyParamDefaults(): void {
  for (const value of Object.values(config)) {
    const param = value as { name?: string; options?: { default?: unknown } };
    if (typeof param?.name !== "string" || param.options?.default === undefined) continue;
    if (process.env[param.name] === undefined) process.env[param.name] = String(param.options.default);
  }
}
