export * from './audit-actions';
export * from './audit-origin';
export * from './audited-commands';
