/**
 * The keyboard map, kept apart from the DOM so it can be read (and tested) in one place. A
 * reviewer's left hand stays on 1–4, Z and X, the right on J/K and Enter.
 */
import type { RejectReason } from '../../cases/case-model.js';

export type Command =
  | { kind: 'next' }
  | { kind: 'previous' }
  | { kind: 'confirm' }
  | { kind: 'reject'; reason: Exclude<RejectReason, 'other'> }
  | { kind: 'rejectOther' }
  | { kind: 'undo' }
  | { kind: 'toggleMark' }
  | { kind: 'markDuplicates' }
  | { kind: 'escape' }
  | { kind: 'zoom'; step: 1 | -1 | 0 }
  | { kind: 'cycleEvidence'; step: 1 | -1 }
  | { kind: 'playClip' }
  | { kind: 'help' }
  | { kind: 'focusFilters' }
  | { kind: 'toggleLanguage' };

export interface KeyInput {
  key: string;
  code?: string;
  ctrlKey: boolean;
  metaKey: boolean;
  altKey: boolean;
  shiftKey: boolean;
}

export const REASON_KEYS: ReadonlyArray<[string, RejectReason]> = [
  ['1', 'false_detection'],
  ['2', 'not_a_violation'],
  ['3', 'duplicate'],
  ['4', 'other'],
];

/** The command for a key press, or undefined to let the browser have it. */
export function commandFor(e: KeyInput): Command | undefined {
  // Ctrl/Cmd+Z is the one chord: people reach for it to undo whatever they are in.
  if ((e.ctrlKey || e.metaKey) && !e.altKey && e.key.toLowerCase() === 'z') return { kind: 'undo' };
  if (e.ctrlKey || e.metaKey || e.altKey) return undefined;
  // Digits by physical key as well, so Shift or a non-US layout does not change the reason.
  const digit = /^Digit([1-4])$|^Numpad([1-4])$/.exec(e.code ?? '');
  const key = digit ? (digit[1] ?? digit[2] ?? e.key) : e.key;
  switch (key) {
    case 'j':
    case 'J':
    case 'ArrowDown':
      return { kind: 'next' };
    case 'k':
    case 'K':
    case 'ArrowUp':
      return { kind: 'previous' };
    case 'Enter':
    case 'c':
    case 'C':
      return { kind: 'confirm' };
    case '1':
      return { kind: 'reject', reason: 'false_detection' };
    case '2':
      return { kind: 'reject', reason: 'not_a_violation' };
    case '3':
      return { kind: 'reject', reason: 'duplicate' };
    case '4':
      return { kind: 'rejectOther' };
    case 'z':
    case 'Z':
    case 'u':
    case 'U':
      return { kind: 'undo' };
    case 'x':
    case 'X':
    case ' ':
      return { kind: 'toggleMark' };
    case 'd':
    case 'D':
      return { kind: 'markDuplicates' };
    case 'Escape':
      return { kind: 'escape' };
    case '+':
    case '=':
      return { kind: 'zoom', step: 1 };
    case '-':
    case '_':
      return { kind: 'zoom', step: -1 };
    case '0':
      return { kind: 'zoom', step: 0 };
    case 'e':
    case 'ArrowRight':
      return { kind: 'cycleEvidence', step: 1 };
    case 'E':
    case 'ArrowLeft':
      return { kind: 'cycleEvidence', step: -1 };
    case 'v':
    case 'V':
      return { kind: 'playClip' };
    case '?':
      return { kind: 'help' };
    case '/':
    case 'f':
    case 'F':
      return { kind: 'focusFilters' };
    case 'l':
    case 'L':
      return { kind: 'toggleLanguage' };
    default:
      return undefined;
  }
}
