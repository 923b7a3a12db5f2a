export * from './settings';
export * from './settings-table';
