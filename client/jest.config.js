/**
 * Unit tests of the client with fakes for the callable functions: no emulator, no network.
 */
module.exports = {
  preset: "ts-jest",
  testEnvironment: "node",
  transform: { "^.+\\.ts$": ["ts-jest", { tsconfig: "<rootDir>/tsconfig.json" }] },
  testMatch: ["<rootDir>/test/**/*.test.ts"],
};
