import { ConfigurationError } from '@kryonix/domain';
import { BackupSchedule, backupScheduleOf } from './backup-schedule';
import { loadConfig } from './config';

function refusal(env: Record<string, string>, process_: 'control-plane' | 'data-plane' = 'control-plane'): string {
  try {
    loadConfig(env, process_, '/srv/app');
  } catch (error) {
    if (error instanceof ConfigurationError) return error.message;
    throw error;
  }
  throw new Error('expected a configuration error');
}

describe('KRYONIX_BACKUP_SCHEDULE', () => {
  it('is off by default, in UTC, keeping 7', () => {
    const config = loadConfig({}, 'control-plane', '/srv/app');
    expect(config).toMatchObject({ backupSchedule: undefined, backupTimezone: 'UTC', backupKeep: 7 });
    expect(backupScheduleOf(config)).toBeUndefined();
  });

  it('stops a process at start with one line naming the variable, the value and what is allowed', () => {
    expect(refusal({ KRYONIX_BACKUP_SCHEDULE: 'every night' })).toMatch(/^KRYONIX_BACKUP_SCHEDULE must be a cron expression of 5 fields .*; got "every night"\.$/);
    expect(refusal({ KRYONIX_BACKUP_SCHEDULE: '* * *' })).toContain('KRYONIX_BACKUP_SCHEDULE must be a cron expression');
    expect(refusal({ KRYONIX_BACKUP_SCHEDULE: '61 3 * * *' })).toMatch(/KRYONIX_BACKUP_SCHEDULE must be .*\(Constraint error, got value 61 expected range 0-59\); got "61 3 \* \* \*"\./);
    expect(refusal({ KRYONIX_BACKUP_SCHEDULE: '0 0 30 2 *' })).toContain('KRYONIX_BACKUP_SCHEDULE must be');
    expect(refusal({ KRYONIX_BACKUP_SCHEDULE: '0 3 * * *', KRYONIX_BACKUP_TIMEZONE: 'Mars/Olympus' })).toBe('KRYONIX_BACKUP_TIMEZONE must be an IANA time zone such as "UTC" or "America/Sao_Paulo"; got "Mars/Olympus".');
    expect(refusal({ KRYONIX_BACKUP_KEEP: '0' })).toContain('KRYONIX_BACKUP_KEEP must be a whole number from 1 to 100000');
    // the data plane does not read it
    expect(loadConfig({ KRYONIX_BACKUP_SCHEDULE: 'every night' }, 'data-plane', '/srv/app').backupSchedule).toBeUndefined();
  });

  it('finds the latest time at or before now and the next one, in its time zone; seconds and aliases too', () => {
    const daily = BackupSchedule.parse('0 3 * * *', 'America/Sao_Paulo'); // UTC-3
    expect(daily.latestAtOrBefore(new Date('2026-12-01T05:59:59Z')).toISOString()).toBe('2026-11-30T06:00:00.000Z');
    expect(daily.latestAtOrBefore(new Date('2026-12-01T06:00:00Z')).toISOString()).toBe('2026-12-01T06:00:00.000Z');
    expect(daily.nextAfter(new Date('2026-12-01T06:00:00Z')).toISOString()).toBe('2026-12-02T06:00:00.000Z');
    const seconds = BackupSchedule.parse('*/10 * * * * *', 'UTC');
    expect(seconds.latestAtOrBefore(new Date('2026-12-01T10:05:03.500Z')).toISOString()).toBe('2026-12-01T10:05:00.000Z');
    expect(seconds.longestIntervalMs()).toBe(10_000);
    expect(BackupSchedule.parse('@daily', 'UTC').nextAfter(new Date('2026-12-01T10:00:00Z')).toISOString()).toBe('2026-12-02T00:00:00.000Z');
  });
});
