export * from './test-runtime';
export * from './catalog';
