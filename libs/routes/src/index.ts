export * from './resolve-route/resolve-route.query';
export * from './resolve-route/resolve-route.handler';
export * from './check-readiness/check-readiness.query';
export * from './check-readiness/check-readiness.handler';
export * from './routes.module';
