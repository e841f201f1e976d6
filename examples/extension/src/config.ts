/**
 * @module config
 * What the build bakes into the popup (see build.mjs): the Firebase web config, the functions'
 * region, and the emulators to use, if any.
 */
import type { FirebaseOptions } from "firebase/app";

export interface ExtensionConfig {
  firebase: FirebaseOptions;
  region: string;
  /** `host:port` of each emulator to connect to; absent for a real project. */
  emulators: { auth?: string; functions?: string };
}

declare const __EXTENSION_CONFIG__: ExtensionConfig;

export const config: ExtensionConfig = __EXTENSION_CONFIG__;
