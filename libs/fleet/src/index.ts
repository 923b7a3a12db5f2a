export * from './fleet-migrator';
export * from './drift-detector';
