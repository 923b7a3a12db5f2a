export * from './database';
export * from './project-root';
export * from './migrations/registry-migrator';
export * from './tenant.repository';
export * from './provisioning-log.repository';
export * from './module-ledger.repository';
export * from './api-key.repository';
export * from './audit.repository';
