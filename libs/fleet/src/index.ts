export * from './fleet-migrator';
export * from './drift-detector';
export * from './fleet.module';
export * from './rebalance-plan';
export * from './moves/tenant-mover';
export * from './moves/replication.repository';
