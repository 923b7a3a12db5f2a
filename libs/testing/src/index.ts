export * from './test-runtime';
export * from './catalog';
export * from './redis';
export * from './https';
export * from './ports';
export * from './raw-http';
export * from './hostile';
export * from './extra-postgres';
