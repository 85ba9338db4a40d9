export * from './config.js';
export * from './duration.js';
export * from './mutate.js';
export * from './names.js';
export type { ImageCommand, ImageCommands } from './image-command.js';
export {
  OPTIONS,
  annotationDenial,
  checkOption,
  isImageReference,
  isOptionProblem,
  isValidMountPath,
  parseImageCommand,
  parseOption,
  type OptionName,
  type OptionProblem,
  type OptionSpec,
  type OptionValue,
} from './options.js';
export type * from './types.js';
