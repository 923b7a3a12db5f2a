import type { StepEvent } from '@kryonix/provisioning';
import { describe } from '@kryonix/web';
import type { AuditedRequest } from '../audit/audit.interceptor';

export interface StreamingReply {
  raw: { writeHead(status: number, headers: Record<string, string>): unknown; write(chunk: string): boolean; end(chunk?: string): unknown };
  hijack(): void;
}

/** `Accept: application/x-ndjson`: the caller wants each step while it runs. */
export function wantsSteps(accept: string | undefined): boolean {
  return Boolean(accept && /application\/x-ndjson/i.test(accept));
}

/**
 * Runs a provisioning command and streams it as NDJSON: one `{"type":"step","step":…}`
 * line per step while it runs, then `{"type":"result","result":…}` or
 * `{"type":"error","error":{code,message}}`. The HTTP status (200) only says the stream
 * was delivered: the last line is the outcome, written after the audit row. The error is
 * rethrown for the exception filter, which leaves a started stream alone.
 */
export async function streamSteps<T extends object>(
  request: AuditedRequest,
  reply: StreamingReply,
  run: (onStep: (e: StepEvent) => void) => Promise<T>,
): Promise<T> {
  reply.hijack();
  const raw = reply.raw;
  raw.writeHead(200, { 'content-type': 'application/x-ndjson; charset=utf-8', 'cache-control': 'no-store' });
  try {
    const result = await run((step) => raw.write(`${JSON.stringify({ type: 'step', step })}\n`));
    await request.settleAudit?.(200);
    raw.end(`${JSON.stringify({ type: 'result', result })}\n`);
    return result;
  } catch (error) {
    const { code, message, status } = describe(error);
    await request.settleAudit?.(status, error).catch(() => undefined);
    raw.end(`${JSON.stringify({ type: 'error', error: { code, message } })}\n`);
    throw error;
  }
}
