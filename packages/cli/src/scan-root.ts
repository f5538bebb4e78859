import type { BookStorage } from '@bookpipe/core';
import { openScan } from '@bookpipe/storage';
import type { CliIo } from './cli-io.js';

/** True for a storage root on S3-compatible object storage (`s3://bucket/prefix`) rather than a folder. */
export function isObjectStorageRoot(root: string): boolean {
  return root.startsWith('s3://');
}

/**
 * Opens scan `scanId` under `root`: a folder (@bookpipe/storage), or `s3://bucket/prefix` (@bookpipe/storage-s3,
 * loaded only then). For S3 the standard AWS variables apply: `AWS_ENDPOINT_URL_S3` or `AWS_ENDPOINT_URL`
 * (MinIO, R2, Ceph; addressed path-style, which they need), `AWS_REGION`, and `AWS_ACCESS_KEY_ID` /
 * `AWS_SECRET_ACCESS_KEY` / `AWS_SESSION_TOKEN`; without keys the SDK's own chain (a profile, an instance
 * role) is used. Nothing of them goes on the command line, which a scan's lock records.
 */
export async function openScanAt(root: string, scanId: string, env: CliIo['env']): Promise<BookStorage> {
  if (!isObjectStorageRoot(root)) return openScan({ root, scanId });
  const { openS3Scan } = await import('@bookpipe/storage-s3');
  const endpoint = env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL;
  const region = env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  const accessKeyId = env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY;
  return openS3Scan(root, scanId, {
    ...(endpoint ? { endpoint } : {}),
    ...(region ? { region } : {}),
    ...(accessKeyId && secretAccessKey
      ? { credentials: { accessKeyId, secretAccessKey, ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}) } }
      : {}),
  });
}
