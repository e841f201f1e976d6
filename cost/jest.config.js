/**
 * Unit tests of the cost model and the CLI (spawned as a child process). No services needed.
 */
module.exports = {
  preset: "ts-jest",
  testEnvironment: "node",
  transform: { "^.+\\.ts$": ["ts-jest", { tsconfig: "<rootDir>/tsconfig.json" }] },
  testMatch: ["<rootDir>/test/**/*.test.ts"],
};
