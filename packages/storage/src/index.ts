export { openScan, listScans, type OpenScanOptions } from './open-scan.js';
export { FsBookStorage, METADATA_FILE, type FsStageStorageOptions } from './fs-book-storage.js';
export { FsStageStorage, CHECKPOINT_FILE } from './fs-stage-storage.js';
export { FsCheckpointManager, type FsStageStatus } from './fs-checkpoint-manager.js';
export type { RepairProblem } from './checkpoint-journal.js';
export { LOCK_FILE, type FsScanLock, type ScanLockInfo } from './scan-lock.js';
export { pngProblem } from './page-validation.js';
