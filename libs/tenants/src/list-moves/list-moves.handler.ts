import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { MoveRecord, MoveRepository } from '@kryonix/registry';
import { ListMovesQuery } from './list-moves.query';

@QueryHandler(ListMovesQuery)
export class ListMovesHandler implements IQueryHandler<ListMovesQuery, MoveRecord[]> {
  constructor(private readonly moves: MoveRepository) {}

  execute(): Promise<MoveRecord[]> {
    return this.moves.open();
  }
}
