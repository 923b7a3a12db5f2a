export * from './domain-exception.filter';
