// Prints vitest's JSON report as one line, `N passed, N failed` (plus `, N skipped` when any were), for CI.
// Exits non-zero when anything failed, including a test file that failed to load (it has no failed tests of its own).
import { readFileSync } from 'node:fs';

const file = process.argv[2] ?? 'reports/vitest.json';
let report;
try {
  report = JSON.parse(readFileSync(file, 'utf8'));
} catch (err) {
  console.error(`weft: no vitest JSON report at ${file} (${err.message}); the test run did not finish`);
  process.exit(1);
}
const passed = report.numPassedTests ?? 0;
const loadFailures = (report.testResults ?? []).filter(
  (r) => r.status === 'failed' && (r.assertionResults ?? []).every((a) => a.status !== 'failed'),
).length;
const failed = (report.numFailedTests ?? 0) + loadFailures;
const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
console.log(`${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 || report.success === false ? 1 : 0);
