/**
 * Fuzzy matching for the built-in picker, in the spirit of fzf: every space-separated term of the query must
 * appear in order (not necessarily contiguous), case-insensitively; contiguous runs and matches at word starts
 * score higher. Pure.
 */

const WORD_START = /[\s/_.:()-]/;

/** Score of matching the term greedily from `start` (where its first character is), or undefined. */
function scoreFrom(term: string, text: string, start: number): number | undefined {
  let score = 0;
  let position = start - 1;
  let run = 0;
  for (const char of term) {
    const found = text.indexOf(char, position + 1);
    if (found < 0) return undefined;
    const contiguous = found === position + 1;
    run = contiguous ? run + 1 : 1;
    score += 1 + (contiguous ? run * 2 : 0) + (found === 0 || WORD_START.test(text[found - 1] ?? '') ? 3 : 0);
    score -= contiguous ? 0 : Math.min(3, found - position - 1) * 0.1;
    position = found;
  }
  return score;
}

/** Best score of one term against the text over every place it can start, or undefined when it does not match. */
function termScore(term: string, text: string): number | undefined {
  const first = term[0];
  if (first === undefined) return 0;
  let best: number | undefined;
  for (let start = text.indexOf(first); start >= 0; start = text.indexOf(first, start + 1)) {
    const score = scoreFrom(term, text, start);
    if (score === undefined) break; // a later start cannot match if this one could not
    if (best === undefined || score > best) best = score;
  }
  return best;
}

export function fuzzyScore(query: string, text: string): number | undefined {
  const terms = query
    .toLowerCase()
    .split(/\s+/)
    .filter((term) => term !== '');
  const haystack = text.toLowerCase();
  let total = 0;
  for (const term of terms) {
    const score = termScore(term, haystack);
    if (score === undefined) return undefined;
    total += score;
  }
  return total;
}

/** Indexes of the matching lines, best first; ties keep the original order. An empty query keeps all. */
export function fuzzyFilter(query: string, lines: readonly string[]): number[] {
  const scored: { index: number; score: number }[] = [];
  lines.forEach((line, index) => {
    const score = fuzzyScore(query, line);
    if (score !== undefined) scored.push({ index, score });
  });
  return scored.sort((a, b) => b.score - a.score || a.index - b.index).map((entry) => entry.index);
}
