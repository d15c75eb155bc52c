import { describe, expect, it } from 'vitest';
import { isScheduleActive, localWeekMinute, parseTimeOfDay, type ScheduleWindow } from './schedule.js';

const SH = 'Asia/Shanghai';
// Monday 2024-01-08 in Shanghai (UTC+8, no DST).
const at = (day: number, hh: number, mm = 0) => Date.UTC(2024, 0, 8 + day, hh - 8, mm);

describe('enforcement schedules', () => {
  it('reads local weekday and time with Intl', () => {
    expect(localWeekMinute(at(0, 10, 30), SH)).toEqual({ day: 0, minute: 630 });
    expect(localWeekMinute(at(0, 0, 5), SH)).toEqual({ day: 0, minute: 5 });
    expect(localWeekMinute(at(6, 23, 59), SH)).toEqual({ day: 6, minute: 1439 });
    expect(localWeekMinute(NaN, SH)).toBeNull();
  });

  it('parses times of day', () => {
    expect(parseTimeOfDay('07:30', false)).toBe(450);
    expect(parseTimeOfDay('24:00', true)).toBe(1440);
    expect(parseTimeOfDay('24:00', false)).toBeNull();
    expect(parseTimeOfDay('25:00', false)).toBeNull();
    expect(parseTimeOfDay('12:60', false)).toBeNull();
    expect(parseTimeOfDay('7:30', false)).toBeNull();
  });

  it('honours days and the end being exclusive', () => {
    const weekdays: ScheduleWindow[] = [
      { days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '08:00', end: '20:00' },
    ];
    expect(isScheduleActive(weekdays, at(0, 8, 0), SH)).toBe(true);
    expect(isScheduleActive(weekdays, at(0, 7, 59), SH)).toBe(false);
    expect(isScheduleActive(weekdays, at(0, 20, 0), SH)).toBe(false);
    expect(isScheduleActive(weekdays, at(5, 12, 0), SH)).toBe(false);
    expect(isScheduleActive(null, NaN, SH)).toBe(true);
    expect(isScheduleActive(weekdays, NaN, SH)).toBe(false);
  });

  it('runs a window past midnight from its starting day', () => {
    const fridayNight: ScheduleWindow[] = [{ days: ['fri'], start: '22:00', end: '02:00' }];
    expect(isScheduleActive(fridayNight, at(4, 23, 0), SH)).toBe(true);
    expect(isScheduleActive(fridayNight, at(5, 1, 30), SH)).toBe(true);
    expect(isScheduleActive(fridayNight, at(5, 2, 0), SH)).toBe(false);
    expect(isScheduleActive(fridayNight, at(3, 23, 0), SH)).toBe(false);
    expect(isScheduleActive(fridayNight, at(4, 1, 0), SH)).toBe(false);
  });

  it('follows daylight saving in zones that have it', () => {
    const nine: ScheduleWindow[] = [{ days: ['mon'], start: '09:00', end: '10:00' }];
    // 2024-07-01 is a Monday; Berlin is UTC+2 in summer, so 09:30 local is 07:30 UTC.
    expect(isScheduleActive(nine, Date.UTC(2024, 6, 1, 7, 30), 'Europe/Berlin')).toBe(true);
    expect(isScheduleActive(nine, Date.UTC(2024, 6, 1, 8, 30), 'Europe/Berlin')).toBe(false);
  });
});
