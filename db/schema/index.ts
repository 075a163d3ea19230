export * from './clinic';
export * from './patients';
export * from './care';
export * from './identity';
export * from './clinical';
export * from './documents';
export * from './access';
