/**
 * `--image-command=registry|none` (declared in commands/flags.ts): whether the CLI reads the image's ENTRYPOINT
 * and CMD from its registry. The one judge of its value.
 */
import { UsageError } from '../../errors.js';

export const IMAGE_COMMAND_MODES = { registry: 'registry', none: 'none' } as const;
export type ImageCommandMode = (typeof IMAGE_COMMAND_MODES)[keyof typeof IMAGE_COMMAND_MODES];

export function imageCommandMode(value: string | undefined): ImageCommandMode {
  if (value === undefined) return IMAGE_COMMAND_MODES.registry;
  if (value === 'registry' || value === 'none') return value;
  throw new UsageError(
    `invalid value "${value}" for --image-command: use registry (read the image's ENTRYPOINT and CMD from its registry) or none`,
  );
}
