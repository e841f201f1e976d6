/**
 * Two jest projects:
 *   unit  the popup's wording and the build's manifest, no browser     (test/*.test.ts)
 *   e2e   the built extension in Debian's chromium, against the Auth and Functions emulators and the
 *         real inference server; run inside `firebase emulators:exec` by scripts/test.sh  (test/*.e2e.test.ts)
 */
const common = {
  preset: "ts-jest",
  testEnvironment: "node",
  transform: { "^.+\\.ts$": ["ts-jest", { tsconfig: "<rootDir>/tsconfig.json" }] },
};

module.exports = {
  projects: [
    { ...common, displayName: "unit", testMatch: ["<rootDir>/test/**/*.test.ts"], testPathIgnorePatterns: ["\\.e2e\\.test\\.ts$"] },
    { ...common, displayName: "e2e", testMatch: ["<rootDir>/test/**/*.e2e.test.ts"] },
  ],
};
