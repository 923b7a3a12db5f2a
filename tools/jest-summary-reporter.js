// Prints the plain closing line "N passed, N failed" (plus skipped) after Jest's own summary.
// A test file that failed to run at all (a throw while loading it, a missing file) counts
// as a failure too: otherwise a suite that never ran would leave "0 failed".
class SummaryReporter {
  onRunComplete(_contexts, results) {
    process.stderr.write(`\n${summaryLine(results)}\n`);
  }
}

function summaryLine(results) {
  const skipped = results.numPendingTests + results.numTodoTests;
  const notRun = results.numRuntimeErrorTestSuites ?? 0;
  const failed = results.numFailedTests + notRun;
  return `${results.numPassedTests} passed, ${failed} failed${notRun ? ` (${notRun} test file${notRun > 1 ? 's' : ''} failed to run)` : ''}${skipped ? `, ${skipped} skipped` : ''}`;
}

module.exports = SummaryReporter;
module.exports.summaryLine = summaryLine;
