export * from './self-signed';
export * from './local-ca';
export * from './leaf-folder';
