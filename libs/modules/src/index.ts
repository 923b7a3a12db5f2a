export * from './module-catalog';
export * from './modules.module';
