import { ERROR_MAPPINGS, ErrorCode, KryonixError, ConfigurationError, InvalidInput, StorageTaken, TenantBusy, exitCodeFor, httpStatusFor, isErrorCode } from './errors';

describe('the error table', () => {
  it('maps every code once to an HTTP status and an exit code', () => {
    const codes = Object.keys(ERROR_MAPPINGS) as ErrorCode[];
    expect(codes.length).toBeGreaterThanOrEqual(20);
    for (const code of codes) {
      const error = new KryonixError(code, 'x');
      expect(httpStatusFor(error)).toBe(ERROR_MAPPINGS[code].http);
      expect(exitCodeFor(error)).toBe(ERROR_MAPPINGS[code].exit);
      expect([1, 2, 3]).toContain(exitCodeFor(error));
      expect(httpStatusFor(error)).toBeGreaterThanOrEqual(400);
    }
  });

  it('gives the documented exit codes: 2 invalid input or configuration, 3 conflict, 1 otherwise', () => {
    expect(exitCodeFor(new InvalidInput('bad'))).toBe(2);
    expect(exitCodeFor(new ConfigurationError('bad'))).toBe(2);
    expect(exitCodeFor(new TenantBusy('a'))).toBe(3);
    expect(exitCodeFor(new StorageTaken('taken'))).toBe(3);
    expect(exitCodeFor(new Error('boom'))).toBe(1);
    expect(httpStatusFor(new Error('boom'))).toBe(500);
  });

  it('only client-caused codes are 4xx; a server-side configuration problem is 503, not 500', () => {
    expect(httpStatusFor(new ConfigurationError('bad'))).toBe(503);
    expect(httpStatusFor(new KryonixError('INTERNAL', 'x'))).toBe(500);
  });

  it('recognises codes read from elsewhere', () => {
    expect(isErrorCode('TENANT_BUSY')).toBe(true);
    expect(isErrorCode('NO_SUCH_CODE')).toBe(false);
    expect(isErrorCode('constructor')).toBe(false);
    expect(isErrorCode(undefined)).toBe(false);
  });
});

// A table that leaves a code out does not type-check (tsc runs over this file in `npm test`;
// were it to compile, the unused directive below would be the error).
// @ts-expect-error property 'UNKNOWN_MODULE' (and the others) is missing
export const incomplete: Readonly<Record<ErrorCode, { http: number; exit: 1 | 2 | 3 }>> = { INVALID_INPUT: { http: 400, exit: 2 } };
