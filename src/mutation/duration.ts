/**
 * Go-style durations as users write them in annotations and flags: "90m", "8h", "1h30m", "1.5h", "2d".
 * Units: s, m, h, d (a day is 24h). Sub-second units make no sense for activeDeadlineSeconds and are refused.
 */

const UNIT_SECONDS = { s: 1, m: 60, h: 3600, d: 86400 } as const;
const WHOLE = /^(?:\d+(?:\.\d+)?|\.\d+)[smhd](?:(?:\d+(?:\.\d+)?|\.\d+)[smhd])*$/;
const PART = /(\d+(?:\.\d+)?|\.\d+)([smhd])/g;

/** Largest value Kubernetes accepts for spec.activeDeadlineSeconds. */
export const MAX_DEADLINE_SECONDS = 2_147_483_647;

/**
 * Parses a duration into whole seconds (rounded up). Returns undefined when the text is not a duration
 * of the accepted form or is zero.
 */
export function parseDuration(text: string): number | undefined {
  const trimmed = text.trim();
  if (!WHOLE.test(trimmed)) return undefined;
  let seconds = 0;
  for (const match of trimmed.matchAll(PART)) {
    const [, amount, unit] = match;
    seconds += Number(amount) * UNIT_SECONDS[unit as keyof typeof UNIT_SECONDS];
  }
  const whole = Math.ceil(seconds - 1e-9);
  return whole > 0 && Number.isFinite(whole) ? whole : undefined;
}

/** Formats seconds the way kubectl prints ages: "90s", "15m", "8h", "2d", "1d12h", "1h30m". */
export function formatDuration(totalSeconds: number): string {
  let rest = Math.max(0, Math.floor(totalSeconds));
  if (rest === 0) return '0s';
  const parts: string[] = [];
  for (const [unit, size] of [
    ['d', 86400],
    ['h', 3600],
    ['m', 60],
    ['s', 1],
  ] as const) {
    const count = Math.floor(rest / size);
    if (count > 0) parts.push(`${count}${unit}`);
    rest -= count * size;
  }
  return parts.join('');
}
