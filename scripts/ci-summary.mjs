// Prints the one closing line CI reads: "N passed, N failed" (vitest's JSON
// report plus any extra checks passed as arguments). Exits 1 when the report is
// missing or ran no test.
import { readFileSync } from "node:fs";

const [, , reportPath, extraPass = "0", extraFail = "0"] = process.argv;
let passed = Number(extraPass);
let failed = Number(extraFail);
try {
  const report = JSON.parse(readFileSync(reportPath, "utf8"));
  passed += report.numPassedTests ?? 0;
  failed += (report.numFailedTests ?? 0) + (report.numTotalTests === 0 ? 1 : 0);
  if ((report.numFailedTestSuites ?? 0) > 0 && (report.numFailedTests ?? 0) === 0) failed += report.numFailedTestSuites;
} catch (err) {
  console.log(`${passed} passed, ${failed + 1} failed`);
  console.error(`no test report at ${reportPath}: ${err.message}`);
  process.exit(1);
}
console.log(`${passed} passed, ${failed} failed`);
