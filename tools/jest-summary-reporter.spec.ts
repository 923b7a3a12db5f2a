import { summaryLine } from './jest-summary-reporter';

describe('the closing summary line of `npm test`', () => {
  const results = (over: Record<string, number>) => ({ numPassedTests: 175, numFailedTests: 0, numPendingTests: 0, numTodoTests: 0, numRuntimeErrorTestSuites: 0, ...over });

  it('counts a test file that failed to run as a failure, and says so', () => {
    expect(summaryLine(results({ numRuntimeErrorTestSuites: 1 }))).toBe('175 passed, 1 failed (1 test file failed to run)');
    expect(summaryLine(results({ numFailedTests: 2, numRuntimeErrorTestSuites: 2 }))).toBe('175 passed, 4 failed (2 test files failed to run)');
  });

  it('reads as before when everything ran', () => {
    expect(summaryLine(results({}))).toBe('175 passed, 0 failed');
    expect(summaryLine(results({ numPendingTests: 3 }))).toBe('175 passed, 0 failed, 3 skipped');
  });
});
