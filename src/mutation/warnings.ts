/** Warnings the mutation returns (SPEC §4): the one place they are made to fit what Kubernetes shows. */

/** Kubernetes shows at most this many characters of each admission warning. */
export const MAX_WARNING_LENGTH = 120;

// eslint-disable-next-line no-control-regex -- control characters are exactly what is removed
const CONTROL = /[\u0000-\u001f\u007f]/;
// eslint-disable-next-line no-control-regex -- control characters are exactly what is removed
const CONTROLS = /[\u0000-\u001f\u007f]+/g;

/** One line, at most MAX_WARNING_LENGTH characters (code points, so a surrogate pair is never split). */
export function capWarning(warning: string): string {
  // The usual case, cheaply: one line, and short in UTF-16 units, hence in code points.
  if (warning.length <= MAX_WARNING_LENGTH && !CONTROL.test(warning)) return warning.trim();
  const oneLine = warning.replace(CONTROLS, ' ').trim();
  const characters = Array.from(oneLine);
  if (characters.length <= MAX_WARNING_LENGTH) return oneLine;
  return `${characters.slice(0, MAX_WARNING_LENGTH - 1).join('')}…`;
}
