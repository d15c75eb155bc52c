/** The object store the configuration names. */
import { join } from 'node:path';
import type { AppConfig } from '../common/app-config.js';
import { LocalFolderStorage } from './local-folder-storage.js';
import type { ObjectStorage } from './object-storage.js';
import { S3Storage } from './s3-storage.js';

/** Local evidence lives beside the embedded database, in `<dataDir>/evidence`. */
export function evidenceDir(dataDir: string): string {
  return join(dataDir, 'evidence');
}

export function createObjectStorage(config: Pick<AppConfig, 'dataDir' | 'storage'>): ObjectStorage {
  const s = config.storage;
  if (s.kind === 's3') {
    return new S3Storage({
      endpoint: s.endpoint,
      bucket: s.bucket,
      region: s.region,
      accessKeyId: s.accessKeyId,
      secretAccessKey: s.secretAccessKey,
    });
  }
  return new LocalFolderStorage(evidenceDir(config.dataDir));
}
