/**
 * The part of the platform the CLI's small bundle (dist/cli.js) may import: no database
 * driver, no framework. Import it as `@kryonix/platform/light`.
 */
export * from './settings';
export * from './process';
