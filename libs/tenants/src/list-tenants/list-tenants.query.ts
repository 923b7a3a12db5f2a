import { Query } from '@nestjs/cqrs';
import type { TenantRecord } from '@kryonix/registry';

export type TenantSummary = Omit<TenantRecord, 'rolePasswordEnc'>;

export class ListTenantsQuery extends Query<TenantSummary[]> {}
