import { SETTINGS_TABLE_MARKERS, settingsTable } from '@kryonix/platform';

/** README.md with settingsTable() between its settings markers; the rest of the file as it is. */
export function renderReadmeSettings(readme: string): string {
  const { start, end } = SETTINGS_TABLE_MARKERS;
  const from = readme.indexOf(start);
  const to = readme.indexOf(end, from);
  if (from < 0 || to < 0) throw new Error(`README.md has no ${start} … ${end} section for the settings table.`);
  return `${readme.slice(0, from + start.length)}\n${settingsTable()}${readme.slice(to)}`;
}
