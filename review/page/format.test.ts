import { describe, expect, it } from 'vitest';
import { formatConfidence, formatDwell, localInputToIso } from './format.js';
import { dictionary, t } from './i18n.js';

describe('format', () => {
  it('shows dwell in whole units in both languages', () => {
    expect(formatDwell(42, 'zh-CN')).toBe('42 秒');
    expect(formatDwell(245, 'zh-CN')).toBe('4 分 05 秒');
    expect(formatDwell(245, 'en')).toBe('4 min 05 s');
    expect(formatDwell(3725, 'zh-CN')).toBe('1 小时 02 分');
    expect(formatDwell(-3, 'en')).toBe('0 s');
  });

  it('shows confidence as a whole percent', () => {
    expect(formatConfidence(0.876)).toBe('88%');
    expect(formatConfidence(1.2)).toBe('100%');
  });

  it('turns a datetime-local value into an instant, and nothing into null', () => {
    expect(localInputToIso('')).toBeNull();
    expect(localInputToIso('nonsense')).toBeNull();
    expect(localInputToIso('2026-03-01T08:00')).toMatch(/^2026-0[23]-\d\dT\d\d:00:00\.000Z$/);
  });
});

describe('i18n', () => {
  it('has the same messages in both languages, with the same placeholders', () => {
    const zh = dictionary('zh-CN');
    const en = dictionary('en');
    expect(Object.keys(en).sort()).toEqual(Object.keys(zh).sort());
    const placeholders = (s: unknown) => (typeof s === 'string' ? (s.match(/\{\w+\}/g) ?? []).sort() : []);
    for (const k of Object.keys(zh) as Array<keyof typeof zh>) {
      expect([k, placeholders(en[k])]).toEqual([k, placeholders(zh[k])]);
    }
    expect(t('en', 'queueCount', { n: 3 })).toBe('3 to review');
    expect(t('zh-CN', 'queueCount', { n: 3 })).toBe('3 件待审');
  });
});
