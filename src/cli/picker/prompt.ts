/**
 * The built-in fuzzy prompt, used when fzf is not installed: type to filter, ↑/↓ (or Ctrl-P/Ctrl-N) to move,
 * Enter to choose, Esc or Ctrl-C to give up. The state machine and the rendering are pure; the loop reads
 * keypresses from any stream (a terminal in raw mode, or a test's stream).
 */
import { emitKeypressEvents } from 'node:readline';
import type { Input, Output } from '../context.js';
import { fuzzyFilter } from './fuzzy.js';

export interface PromptKey {
  name?: string | undefined;
  sequence?: string | undefined;
  ctrl?: boolean | undefined;
  meta?: boolean | undefined;
}

export interface PromptState {
  query: string;
  /** Position of the highlighted line within matches. */
  selected: number;
  /** Indexes into the lines, best match first. */
  matches: number[];
}

export type PromptStep =
  { kind: 'continue'; state: PromptState } | { kind: 'chosen'; index: number } | { kind: 'cancelled' };

export const PROMPT = 'dead container> ';

/** C0 control characters and DEL: keys that are not text. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\x00-\x1f\x7f]/;

export function initialState(lines: readonly string[]): PromptState {
  return { query: '', selected: 0, matches: fuzzyFilter('', lines) };
}

function withQuery(query: string, lines: readonly string[]): PromptState {
  return { query, selected: 0, matches: fuzzyFilter(query, lines) };
}

const ctrl = (key: PromptKey, ...names: string[]): boolean => key.ctrl === true && names.includes(key.name ?? '');

/** What a key does, whatever state the prompt is in. */
type KeyAction = 'cancel' | 'choose' | 'up' | 'down' | 'erase' | 'clear' | 'type' | 'ignore';

function keyAction(key: PromptKey, query: string): KeyAction {
  if (isCancel(key, query)) return 'cancel';
  return editingAction(key) ?? (isText(key) ? 'type' : 'ignore');
}

/** Esc, Ctrl-C, Ctrl-G, and Ctrl-D on an empty query give up. */
function isCancel(key: PromptKey, query: string): boolean {
  return ctrl(key, 'c', 'g') || key.name === 'escape' || (ctrl(key, 'd') && query === '');
}

/** Enter; ↑ (Ctrl-P, Ctrl-K); ↓ (Tab, Ctrl-N, Ctrl-J); Backspace; Ctrl-U. Undefined for any other key. */
function editingAction(key: PromptKey): KeyAction | undefined {
  const name = key.name;
  if (name === 'return' || name === 'enter') return 'choose';
  if (name === 'up' || ctrl(key, 'p', 'k')) return 'up';
  if (name === 'down' || name === 'tab' || ctrl(key, 'n', 'j')) return 'down';
  if (name === 'backspace') return 'erase';
  if (ctrl(key, 'u')) return 'clear';
  return undefined;
}

/** A key that types text: printable, without Ctrl or Meta. */
function isText(key: PromptKey): boolean {
  const text = key.sequence ?? '';
  return key.ctrl !== true && key.meta !== true && text.length > 0 && !CONTROL.test(text);
}

export function pressKey(state: PromptState, key: PromptKey, lines: readonly string[]): PromptStep {
  const next = (changed: PromptState): PromptStep => ({ kind: 'continue', state: changed });
  switch (keyAction(key, state.query)) {
    case 'cancel':
      return { kind: 'cancelled' };
    case 'choose': {
      const index = state.matches[state.selected];
      return index === undefined ? next(state) : { kind: 'chosen', index };
    }
    case 'up':
      return next({ ...state, selected: Math.max(0, state.selected - 1) });
    case 'down':
      return next({ ...state, selected: Math.min(Math.max(0, state.matches.length - 1), state.selected + 1) });
    case 'erase':
      return next(withQuery(state.query.slice(0, -1), lines));
    case 'clear':
      return next(withQuery('', lines));
    case 'type':
      return next(withQuery(state.query + (key.sequence ?? ''), lines));
    case 'ignore':
      return next(state);
  }
}

/** The prompt block: query line, count, header, and up to maxRows matches around the highlighted one. */
export function renderPrompt(state: PromptState, lines: readonly string[], header: string, maxRows: number): string[] {
  const first = Math.max(0, Math.min(state.selected - maxRows + 1, state.matches.length - maxRows));
  const visible = state.matches.slice(Math.max(0, first), Math.max(0, first) + maxRows);
  return [
    `${PROMPT}${state.query}`,
    `  ${state.matches.length}/${lines.length}`,
    `  ${header}`,
    ...visible.map(
      (index, offset) => `${Math.max(0, first) + offset === state.selected ? '>' : ' '} ${lines[index] ?? ''}`,
    ),
  ];
}

/** Runs the prompt; resolves with the chosen line's index, or undefined when the user gave up. */
export function builtInPicker(
  lines: readonly string[],
  header: string,
  input: Input,
  output: Output,
  maxRows = 12,
): Promise<number | undefined> {
  emitKeypressEvents(input);
  input.setRawMode?.(true);
  let state = initialState(lines);
  let drawn = 0;
  const draw = (): void => {
    const block = renderPrompt(state, lines, header, maxRows);
    output.write(`${drawn > 0 ? `\x1b[${drawn}A` : ''}\r\x1b[J${block.join('\n')}\n`);
    drawn = block.length;
  };
  draw();
  return new Promise((resolve) => {
    const finish = (result: number | undefined): void => {
      input.off('keypress', onKey);
      input.off('end', onEnd);
      input.setRawMode?.(false);
      input.pause();
      output.write(`\x1b[${drawn}A\r\x1b[J`);
      resolve(result);
    };
    const onKey = (sequence: string | undefined, key: PromptKey | undefined): void => {
      const step = pressKey(state, key ?? { sequence }, lines);
      if (step.kind === 'chosen') finish(step.index);
      else if (step.kind === 'cancelled') finish(undefined);
      else {
        state = step.state;
        draw();
      }
    };
    const onEnd = (): void => {
      finish(undefined);
    };
    input.on('keypress', onKey);
    input.once('end', onEnd);
    input.resume();
  });
}
