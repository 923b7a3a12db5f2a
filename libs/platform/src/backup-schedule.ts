import { CronExpressionParser } from 'cron-parser';
import { invalidSetting, SETTINGS } from './settings';

/**
 * Where the longest gap between two runs is measured: from a fixed day, so the generated
 * rules do not change with the day they are made, over 64 runs (cron-parser takes
 * milliseconds a run): enough for weekly and monthly patterns, and the window holds the
 * autumn clock changes of Europe and North America (a day of 25 hours there).
 */
const GAP_WINDOW = { from: Date.UTC(2025, 9, 20), runs: 64 };

/**
 * KRYONIX_BACKUP_SCHEDULE in KRYONIX_BACKUP_TIMEZONE: a cron expression (5 fields, or 6
 * with seconds first; `@daily`-style aliases), read with cron-parser.
 */
export class BackupSchedule {
  private constructor(
    readonly expression: string,
    readonly timezone: string,
  ) {}

  /** Throws a string saying what is allowed (the settings' convention). */
  static parse(expression: string, timezone: string): BackupSchedule {
    try {
      new Intl.DateTimeFormat('en', { timeZone: timezone });
    } catch {
      throw 'an IANA time zone such as "UTC" or "America/Sao_Paulo"';
    }
    const fields = expression.trim().split(/\s+/);
    const allowed = 'a cron expression of 5 fields ("0 3 * * *": 03:00 every day), or 6 with seconds first, or an alias such as "@daily"';
    if (!(expression.trim().startsWith('@') ? fields.length === 1 : fields.length === 5 || fields.length === 6)) throw allowed;
    const schedule = new BackupSchedule(expression.trim(), timezone);
    try {
      schedule.iterator(new Date()).next();
    } catch (error) {
      throw `${allowed} (${(error as Error).message})`;
    }
    return schedule;
  }

  /** The latest scheduled time at or before `now`. */
  latestAtOrBefore(now: Date): Date {
    return this.iterator(new Date(now.getTime() + 1)).prev().toDate();
  }

  /** The first scheduled time after `now`. */
  nextAfter(now: Date): Date {
    return this.iterator(now).next().toDate();
  }

  /** The longest time between two consecutive runs, in milliseconds (measured once, over a fixed window: deterministic). */
  longestIntervalMs(): number {
    if (this.longest === undefined) {
      const it = this.iterator(new Date(GAP_WINDOW.from - 1));
      let previous = it.next().toDate().getTime();
      let longest = 0;
      for (let i = 1; i < GAP_WINDOW.runs; i++) {
        const at = it.next().toDate().getTime();
        longest = Math.max(longest, at - previous);
        previous = at;
      }
      this.longest = longest;
    }
    return this.longest;
  }
  private longest?: number;

  private iterator(currentDate: Date) {
    return CronExpressionParser.parse(this.expression, { currentDate, tz: this.timezone });
  }
}

/** The configured schedule, or undefined when scheduled backups are off; a bad value is the one-line ConfigurationError of a setting. */
export function backupScheduleOf(config: { backupSchedule: string | undefined; backupTimezone: string }): BackupSchedule | undefined {
  if (config.backupSchedule === undefined) return undefined;
  try {
    return BackupSchedule.parse(config.backupSchedule, config.backupTimezone);
  } catch (allowed) {
    if (typeof allowed !== 'string') throw allowed;
    const spec = allowed.startsWith('an IANA') ? SETTINGS.backupTimezone : SETTINGS.backupSchedule;
    throw invalidSetting(spec, allowed.startsWith('an IANA') ? config.backupTimezone : config.backupSchedule, allowed);
  }
}
