export * from './client';
export * from './errors';
export * from './http';
export * from './modules';
export * from './resource';
export * from './types';
