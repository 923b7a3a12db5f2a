export * from './domain-exception.filter';
export * from './health.controller';
export * from './public.decorator';
export * from './metrics-token';
export * from './bearer';
export * from './metrics.controller';
export * from './request-hygiene';
export * from './route-table';
