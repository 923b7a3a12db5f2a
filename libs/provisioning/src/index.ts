export * from './generated-files';
export * from './lifecycle';
export * from './plan';
export * from './provisioner';
export * from './tenant-lock';
export * from './tenant-metrics.repository';
export * from './tenant-storage.repository';
export * from './provisioning.module';
