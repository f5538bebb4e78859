import { HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { startLoopbackS3, storageConformance } from '@bookpipe/testkit';
import { openS3Scan } from './open-s3-scan.js';

// The shared storage contract, against a real S3-compatible server (s3rver) on loopback, through the real SDK client.
storageConformance('s3 (s3rver on loopback)', async () => {
  const s3 = await startLoopbackS3();
  const root = `s3://${s3.bucket}/library`;
  const key = (scanId: string, path: string) => `library/${scanId}/${path}`;
  return {
    open: (scanId) => openS3Scan(root, scanId, { endpoint: s3.endpoint, credentials: s3.credentials }),
    async putRaw(scanId, path, content) {
      await s3.client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: key(scanId, path), Body: content }));
    },
    rawExists: (scanId, path) =>
      s3.client.send(new HeadObjectCommand({ Bucket: s3.bucket, Key: key(scanId, path) })).then(
        () => true,
        () => false,
      ),
    close: () => s3.close(),
    limits: {
      // Seen here: a GET during a PUT of the same key read part of the new object. s3rver streams an object
      // into its file in place; AWS S3, MinIO and R2 replace an object atomically (the old or the new one).
      concurrentRead: 's3rver writes an object into its file in place, so a GET during a PUT may read part of it',
    },
  };
});
