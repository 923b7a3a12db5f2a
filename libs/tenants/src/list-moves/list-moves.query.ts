import { Query } from '@nestjs/cqrs';
import type { MoveRecord } from '@kryonix/registry';

/** The moves under way now (any tenant), oldest first. */
export class ListMovesQuery extends Query<MoveRecord[]> {}
