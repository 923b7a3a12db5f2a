/** The closing line of a Jest run (see jest-summary-reporter.js). */
export function summaryLine(results: { numPassedTests: number; numFailedTests: number; numPendingTests: number; numTodoTests: number; numRuntimeErrorTestSuites?: number }): string;
