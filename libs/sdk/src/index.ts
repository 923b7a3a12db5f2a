export * from './client';
export * from './errors';
export * from './http';
export * from './modules';
export type { NetworkFailure, NetworkFailureKind } from './network-error';
export * from './resource';
export * from './types';
