import { InvalidInput } from '@kryonix/domain';
import type { BackupKey, SecretBox } from '@kryonix/platform';

/** A passphrase shorter than this is refused: it would be guessed offline from the file. */
const MIN_PASSPHRASE = 12;

/** The key of a backup file: from a passphrase when one is given (another installation can read it), else the master key's. */
export function backupKey(secrets: SecretBox, passphrase: string | undefined): BackupKey {
  if (passphrase === undefined) return { kind: 'master', box: secrets };
  if ([...passphrase].length < MIN_PASSPHRASE) throw new InvalidInput(`The passphrase must have at least ${MIN_PASSPHRASE} characters (the file can be attacked offline).`, { field: 'passphrase' });
  return { kind: 'passphrase', passphrase };
}
