import { KryonixProcess, Settings, loadSettings } from './settings/settings';
import { projectPath } from './project-root';
import { backupScheduleOf } from './backup-schedule';

/** A process's configuration: its parsed settings (see settings/settings.ts) and the paths that are not settings. */
export interface KryonixConfig extends Settings {
  /** Handlebars templates of the generated per-tenant files (provisioning/). */
  readonly templatesDir: string;
}

/** Parses the settings `process_` reads (once, at its start); throws a ConfigurationError on the first bad one. */
export function loadConfig(env: Readonly<Record<string, string | undefined>> = process.env, process_: KryonixProcess = 'cli', cwd = process.cwd()): KryonixConfig {
  const settings = loadSettings(env, process_, cwd);
  backupScheduleOf(settings); // a cron expression or time zone that does not parse stops the process here
  return { ...settings, templatesDir: projectPath('provisioning') };
}
