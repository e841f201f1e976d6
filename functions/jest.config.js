/**
 * Three kinds of tests, run as jest projects:
 *   unit      pure core with fakes, no emulator              (test/unit/*.test.ts)
 *   emulator  against the real Firestore emulator           (test/emulator/*.emulator.test.ts)
 *   e2e       web SDK -> Auth + Functions emulators -> real inference server (test/e2e/*.e2e.test.ts)
 * scripts/test.sh starts what each needs.
 */
const common = {
  preset: "ts-jest",
  testEnvironment: "node",
  transform: { "^.+\\.ts$": ["ts-jest", { tsconfig: "<rootDir>/tsconfig.json" }] },
};

module.exports = {
  projects: [
    { ...common, displayName: "unit", testMatch: ["<rootDir>/test/unit/**/*.test.ts"] },
    { ...common, displayName: "emulator", setupFilesAfterEnv: ["<rootDir>/test/support/emulatorSetup.ts"], testMatch: ["<rootDir>/test/emulator/**/*.emulator.test.ts"] },
    { ...common, displayName: "e2e", setupFilesAfterEnv: ["<rootDir>/test/support/e2eSetup.ts"], testMatch: ["<rootDir>/test/e2e/**/*.e2e.test.ts"] },
  ],
};
