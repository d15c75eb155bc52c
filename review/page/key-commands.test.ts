import { describe, expect, it } from 'vitest';
import { commandFor, type KeyInput } from './key-commands.js';

const key = (k: string, over: Partial<KeyInput> = {}): KeyInput => ({
  key: k,
  ctrlKey: false,
  metaKey: false,
  altKey: false,
  shiftKey: false,
  ...over,
});

describe('commandFor', () => {
  it('maps the review keys', () => {
    expect(commandFor(key('Enter'))).toEqual({ kind: 'confirm' });
    expect(commandFor(key('c'))).toEqual({ kind: 'confirm' });
    expect(commandFor(key('1'))).toEqual({ kind: 'reject', reason: 'false_detection' });
    expect(commandFor(key('2'))).toEqual({ kind: 'reject', reason: 'not_a_violation' });
    expect(commandFor(key('3'))).toEqual({ kind: 'reject', reason: 'duplicate' });
    expect(commandFor(key('4'))).toEqual({ kind: 'rejectOther' });
    expect(commandFor(key('j'))).toEqual({ kind: 'next' });
    expect(commandFor(key('ArrowDown'))).toEqual({ kind: 'next' });
    expect(commandFor(key('K'))).toEqual({ kind: 'previous' });
    expect(commandFor(key('z'))).toEqual({ kind: 'undo' });
    expect(commandFor(key('x'))).toEqual({ kind: 'toggleMark' });
    expect(commandFor(key('d'))).toEqual({ kind: 'markDuplicates' });
    expect(commandFor(key('+'))).toEqual({ kind: 'zoom', step: 1 });
    expect(commandFor(key('0'))).toEqual({ kind: 'zoom', step: 0 });
  });

  it('reads reason digits by physical key, so Shift or a layout does not change the reason', () => {
    expect(commandFor(key('#', { code: 'Digit3', shiftKey: true }))).toEqual({
      kind: 'reject',
      reason: 'duplicate',
    });
    expect(commandFor(key('1', { code: 'Numpad1' }))).toEqual({ kind: 'reject', reason: 'false_detection' });
  });

  it('takes Ctrl/Cmd+Z as undo and leaves other chords to the browser', () => {
    expect(commandFor(key('z', { ctrlKey: true }))).toEqual({ kind: 'undo' });
    expect(commandFor(key('z', { metaKey: true }))).toEqual({ kind: 'undo' });
    expect(commandFor(key('c', { ctrlKey: true }))).toBeUndefined();
    expect(commandFor(key('r', { ctrlKey: true }))).toBeUndefined();
    expect(commandFor(key('Tab'))).toBeUndefined();
  });
});
