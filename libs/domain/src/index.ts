export * from './errors';
export * from './tenant';
export * from './names';
export * from './api-key';
export * from './server-faults';
export * from './server';
export * from './cut-over';
