// Prints one line per test suite and a closing "N passed, N failed" line, from the jest JSON and
// pytest JUnit XML results that scripts/test.sh writes. Exits 1 if a result file is missing or
// reports no tests, so a suite that silently ran nothing counts as a failure.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

const dir = process.argv[2];
const suites = [
  ["gateway unit", "jest-unit.json", "jest"],
  ["gateway on the Firestore emulator", "jest-emulator.json", "jest"],
  ["end to end through the emulators", "jest-e2e.json", "jest"],
  ["client unit", "jest-client.json", "jest"],
  ["example extension unit", "jest-extension-unit.json", "jest"],
  ["extension in chromium", "jest-extension-e2e.json", "jest"],
  ["end to end, App Check enforced", "jest-e2e-appcheck.json", "jest"],
  ["cost calculator", "jest-cost.json", "jest"],
  ["inference server", "pytest.xml", "junit"],
];

let passed = 0;
let failed = 0;
let skipped = 0;
let broken = false;
console.log("\nTest summary");
for (const [name, file, kind] of suites) {
  const path = join(dir, file);
  if (!existsSync(path)) {
    console.log(`  ${name.padEnd(36)} no results (the suite did not run)`);
    broken = true;
    continue;
  }
  let p = 0, f = 0, s = 0;
  if (kind === "jest") {
    const r = JSON.parse(readFileSync(path, "utf8"));
    p = r.numPassedTests;
    f = r.numFailedTests + (r.numRuntimeErrorTestSuites ?? 0);
    s = r.numPendingTests + r.numTodoTests;
  } else {
    const xml = readFileSync(path, "utf8");
    const attr = (n) => Number((xml.match(new RegExp(`<testsuite [^>]*\\b${n}="(\\d+)"`)) ?? [])[1] ?? 0);
    const total = attr("tests");
    f = attr("failures") + attr("errors");
    s = attr("skipped");
    p = total - f - s;
  }
  if (p + f === 0) broken = true;
  console.log(`  ${name.padEnd(36)} ${p} passed, ${f} failed${s ? `, ${s} skipped` : ""}`);
  passed += p;
  failed += f;
  skipped += s;
}
console.log(`Total: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
process.exit(broken || failed > 0 ? 1 : 0);
