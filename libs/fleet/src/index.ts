export * from './fleet-migrator';
export * from './drift-detector';
export * from './fleet.module';
export * from './rebalance-plan';
