export * from './module-catalog';
export * from './modules.module';
export * from './migration-errors';
export * from './list-syntax';
