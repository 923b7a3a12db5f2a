/** A backup's id as `tenant backup` names its file in KRYONIX_BACKUP_DIR: `<tenant>-<UTC time to the second>`. */
export function backupFileId(tenant: string, at: Date): string {
  return `${tenant}-${at.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}`;
}
