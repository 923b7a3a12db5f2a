import { Query } from '@nestjs/cqrs';
import type { ServerRecord } from '@kryonix/registry';

/** A server as commands show it: never its URLs; what it holds and whether it answered now. */
export type ServerSummary = Omit<ServerRecord, 'adminUrlEnc' | 'replicationUrlEnc'> & {
  /** host:port of its admin URL (no credentials). */
  address: string;
  hasReplicationUrl: boolean;
  tenants: number;
  reachable: boolean;
  /** Size of its Kryonix databases and its client connections, when reachable. */
  storageBytes: number | null;
  connections: number | null;
  /** Why it did not answer, when it did not. */
  error: string | null;
};

/** Every registered server (`name`: just that one), each checked now within KRYONIX_ACQUIRE_TIMEOUT_MS. */
export class ListServersQuery extends Query<ServerSummary[]> {
  constructor(readonly name?: string) {
    super();
  }
}
