import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';

/**
 * A real S3-compatible HTTP server (s3rver, from npm) on loopback, a random port and a temp folder, with one
 * bucket, and an SDK client for it: the S3 storage is tested against a real server, never a mocked client.
 */
export interface LoopbackS3 {
  endpoint: string;
  bucket: string;
  /** s3rver's fixed key pair, which it checks signatures against. */
  credentials: { accessKeyId: string; secretAccessKey: string };
  client: S3Client;
  /** The folder s3rver keeps the objects in (`<dir>/<bucket>/<key>._S3rver_object`). */
  dir: string;
  close(): Promise<void>;
}

export async function startLoopbackS3(bucket = 'bookpipe-test'): Promise<LoopbackS3> {
  // Loaded here: most suites importing the testkit never start a server.
  const [{ default: S3rver }, { CreateBucketCommand, S3Client }] = await Promise.all([import('s3rver'), import('@aws-sdk/client-s3')]);
  const dir = await mkdtemp(join(tmpdir(), 'bookpipe-s3rver-'));
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: dir });
  const { port } = (await server.run()) as { port: number };
  const endpoint = `http://127.0.0.1:${port}`;
  const credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
  const client = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials });
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  return {
    endpoint,
    bucket,
    credentials,
    client,
    dir,
    async close() {
      client.destroy();
      await server.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
