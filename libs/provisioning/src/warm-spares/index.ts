export * from './warm-spares';
export * from './spare.repository';
