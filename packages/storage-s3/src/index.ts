export type { LeaseInfo, S3ScanLock } from './lease-lock.js';
export { LOCK_PREFIX } from './lease-lock.js';
export { type OpenS3ScanOptions, openS3Scan } from './open-s3-scan.js';
export type { S3BookStorage } from './s3-book-storage.js';
export type { S3CheckpointManager, S3StageStatus } from './s3-checkpoint-manager.js';
export { parseS3Url, type S3Location } from './s3-location.js';
export type { S3StageStorage } from './s3-stage-storage.js';
export { JOURNAL_FOLDER, STAGE_COMPLETE } from './stage-keys.js';
