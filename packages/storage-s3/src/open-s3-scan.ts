import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { assertScanId, type Logger, silentLogger } from '@bookpipe/core';
import { ObjectStore } from './object-store.js';
import { S3BookStorage } from './s3-book-storage.js';
import { parseS3Url, s3Url } from './s3-location.js';
import { StageRecords } from './stage-records.js';

export interface OpenS3ScanOptions {
  /**
   * The S3 endpoint, for anything but AWS itself: MinIO, R2 (`https://<account>.r2.cloudflarestorage.com`),
   * Ceph, s3rver. @default AWS's endpoint for `region` (or `AWS_ENDPOINT_URL_S3` / `AWS_ENDPOINT_URL`, read by the SDK)
   */
  endpoint?: string;
  /** @default `AWS_REGION`, else "us-east-1" (MinIO, R2 and s3rver accept any) */
  region?: string;
  /** Path-style URLs (`endpoint/bucket/key`), which MinIO, Ceph and s3rver need. @default true when `endpoint` is given */
  forcePathStyle?: boolean;
  /** @default the SDK's chain: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN, a profile, an instance role */
  credentials?: S3ClientConfig['credentials'];
  /** A client of your own (its endpoint, credentials and retries); the options above are then ignored. */
  client?: S3Client;
  /** Receives warnings about damage found (pages redone, records missing). @default silentLogger */
  logger?: Logger;
  /** Clock for createdAt, journal times and lease expiry. @default () => new Date() */
  now?: () => Date;
  /**
   * How long the scan's lease holds without renewal. The holder renews it every third of this; a holder
   * that died is taken over once it runs out. Longer means a crashed run blocks the scan longer; shorter
   * means a holder stalled (or cut off from the store) that long loses the lock.
   * @default 60_000
   */
  lockTtlMs?: number;
}

/**
 * Opens (without creating) the scan `<url>/<scanId>/` on S3-compatible storage, reading the stages'
 * recorded page formats (one listing and one small GET per stage), so that `scan.stage(name)` knows them.
 * @throws BookpipeError CONFIG_INVALID for a URL that is not `s3://bucket/prefix`, SCAN_ID_INVALID for a bad id.
 * @example
 * const scan = await openS3Scan('s3://my-books/library', 'my-book-1923', { endpoint: 'http://127.0.0.1:9000' });
 * await scan.init();
 */
export async function openS3Scan(url: string, scanId: string, options: OpenS3ScanOptions = {}): Promise<S3BookStorage> {
  assertScanId(scanId);
  const { bucket, prefix } = parseS3Url(url);
  const client =
    options.client ??
    new S3Client({
      region: options.region ?? process.env.AWS_REGION ?? 'us-east-1',
      ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
      forcePathStyle: options.forcePathStyle ?? options.endpoint !== undefined,
      ...(options.credentials === undefined ? {} : { credentials: options.credentials }),
    });
  const store = new ObjectStore(client, bucket);
  const scanKey = `${prefix}${scanId}/`;
  const records = new StageRecords(store, scanKey, scanId);
  const scan = new S3BookStorage({
    store,
    records,
    root: s3Url(bucket, prefix.replace(/\/$/, '')),
    scanId,
    scanKey,
    logger: options.logger ?? silentLogger,
    now: options.now ?? (() => new Date()),
    lockTtlMs: options.lockTtlMs ?? 60_000,
  });
  await records.load(await scan.stageNames());
  return scan;
}
