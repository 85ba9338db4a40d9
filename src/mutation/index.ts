export * from './config.js';
export * from './duration.js';
export * from './mutate.js';
export * from './names.js';
export { isImageReference, isValidMountPath, validateMutationConfig } from './options.js';
export type * from './types.js';
