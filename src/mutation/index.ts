export * from './config.js';
export * from './duration.js';
export * from './mutate.js';
export * from './names.js';
export type * from './types.js';
