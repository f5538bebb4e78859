export { openScan, listScans, type OpenScanOptions } from './open-scan.js';
export { METADATA_FILE, type FsBookStorage, type FsStageStorageOptions } from './fs-book-storage.js';
export { CHECKPOINT_FILE, type FsStageStorage } from './fs-stage-storage.js';
export { STAGE_FILE } from './stage-file.js';
export type { FsCheckpointManager, FsStageStatus } from './fs-checkpoint-manager.js';
export type { RepairProblem } from './checkpoint-journal.js';
export { LOCK_FILE, type FsScanLock, type ScanLockInfo } from './scan-lock.js';
export { pngProblem } from './page-validation.js';
