// Prints the one closing line CI reads: "N passed, N failed": vitest's JSON
// reports plus extra checks counted by .ci/run. Exits 1 when a report is
// missing or ran no test.
// Usage: ci-summary.mjs <extraPass> <extraFail> <report.json>...
import { readFileSync } from "node:fs";

const [, , extraPass = "0", extraFail = "0", ...reportPaths] = process.argv;
let passed = Number(extraPass);
let failed = Number(extraFail);
let broken = false;
for (const reportPath of reportPaths) {
  try {
    const report = JSON.parse(readFileSync(reportPath, "utf8"));
    passed += report.numPassedTests ?? 0;
    failed += (report.numFailedTests ?? 0) + (report.numTotalTests === 0 ? 1 : 0);
    if ((report.numFailedTestSuites ?? 0) > 0 && (report.numFailedTests ?? 0) === 0) failed += report.numFailedTestSuites;
  } catch (err) {
    failed += 1;
    broken = true;
    console.error(`no test report at ${reportPath}: ${err.message}`);
  }
}
console.log(`${passed} passed, ${failed} failed`);
if (broken) process.exit(1);
