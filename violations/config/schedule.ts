export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** One enforcement window in local time. `end` before `start` runs past midnight. */
export interface ScheduleWindow {
  /** Days the window starts on. */
  days: Weekday[];
  /** `HH:MM`, 00:00–23:59. */
  start: string;
  /** `HH:MM`, 00:00–24:00. */
  end: string;
}

/** Null means "always enforced". */
export type Schedule = ScheduleWindow[] | null;

const TIME_RE = /^(\d{2}):(\d{2})$/;
const MINUTES_PER_DAY = 24 * 60;

/** Minutes after midnight, or null when the text is not a time of day; 24:00 only as an end. */
export function parseTimeOfDay(text: string, isEnd: boolean): number | null {
  const m = TIME_RE.exec(text);
  if (!m) return null;
  const h = Number(m[1]);
  const min = Number(m[2]);
  if (min > 59) return null;
  if (h === 24 && min === 0 && isEnd) return MINUTES_PER_DAY;
  return h <= 23 ? h * 60 + min : null;
}

export function isKnownTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

const formatters = new Map<string, Intl.DateTimeFormat>();
const WEEKDAY_INDEX: Readonly<Record<string, number>> = {
  Mon: 0,
  Tue: 1,
  Wed: 2,
  Thu: 3,
  Fri: 4,
  Sat: 5,
  Sun: 6,
};

function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    // h23 avoids the "24:05" some ICU versions print for just after midnight with hour12: false.
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      weekday: 'short',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    formatters.set(tz, f);
  }
  return f;
}

/** Local weekday (0 = Monday) and minute of the day at a wall-clock instant, or null if unknowable. */
export function localWeekMinute(wallClockMs: number, tz: string): { day: number; minute: number } | null {
  if (!Number.isFinite(wallClockMs)) return null;
  let day = -1;
  let hour = -1;
  let minute = -1;
  for (const part of formatter(tz).formatToParts(wallClockMs)) {
    if (part.type === 'weekday') day = WEEKDAY_INDEX[part.value] ?? -1;
    else if (part.type === 'hour') hour = Number(part.value) % 24;
    else if (part.type === 'minute') minute = Number(part.value);
  }
  if (day < 0 || hour < 0 || minute < 0) return null;
  return { day, minute: hour * 60 + minute };
}

function windowActive(w: ScheduleWindow, day: number, minute: number): boolean {
  const start = parseTimeOfDay(w.start, false) ?? 0;
  const end = parseTimeOfDay(w.end, true) ?? MINUTES_PER_DAY;
  const startsOn = (d: number): boolean => w.days.includes(WEEKDAYS[d]!);
  if (start < end) return startsOn(day) && minute >= start && minute < end;
  // Past midnight: the early-morning part belongs to the window that started the day before.
  return (startsOn(day) && minute >= start) || (startsOn((day + 6) % 7) && minute < end);
}

/** Whether enforcement is on at this instant; an unknowable instant counts as off. */
export function isScheduleActive(schedule: Schedule, wallClockMs: number, tz: string): boolean {
  if (schedule === null) return true;
  const local = localWeekMinute(wallClockMs, tz);
  if (!local) return false;
  return schedule.some((w) => windowActive(w, local.day, local.minute));
}
