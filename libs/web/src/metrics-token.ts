import { Unauthorized } from '@kryonix/domain';
import type { AuthFailureLimiter } from './auth-failure-limiter';
import type { PeerRequest } from './client-address';

export const METRICS_TOKEN = Symbol('METRICS_TOKEN');

/**
 * /metrics is open unless KRYONIX_METRICS_TOKEN is set; then Prometheus must send
 * `Authorization: Bearer <token>`, and a client guessing it is slowed down like one
 * guessing the operator token (the same limiter: 429 once it has failed too often).
 */
export function assertMetricsAccess(request: PeerRequest, token: string | undefined, limiter: AuthFailureLimiter): void {
  if (!token) return;
  if (!limiter.verifyBearer(request, 'metrics', token)) {
    throw new Unauthorized('Missing or invalid metrics token (Authorization: Bearer <KRYONIX_METRICS_TOKEN>).');
  }
}
