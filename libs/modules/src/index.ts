export * from './module-catalog';
