import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  type ListObjectsV2CommandOutput,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { BookpipeError, ErrorCode, mapLimit } from '@bookpipe/core';
import { s3Url } from './s3-location.js';

/** One object of a listing. */
export interface ListedObject {
  key: string;
  size: number;
}

/** What a failing call was doing, for the message: "Could not <action> s3://bucket/key". */
export interface ObjectErrorContext {
  scanId?: string;
  stage?: string;
  page?: number;
}

/** Deletes sent at once: enough to overlap round trips, few enough not to be throttled (S3 allows 3,500 writes/s a prefix). */
const DELETE_CONCURRENCY = 16;

/**
 * The few object-store calls the storage needs, over one bucket, with errors turned into BookpipeError
 * STORAGE_ERROR naming the object and the next step. A missing object is `undefined`, never an error.
 */
export class ObjectStore {
  readonly bucket: string;
  readonly #client: S3Client;

  constructor(client: S3Client, bucket: string) {
    this.#client = client;
    this.bucket = bucket;
  }

  url(key: string): string {
    return s3Url(this.bucket, key);
  }

  /** The object's bytes, or undefined when there is none. */
  async get(key: string, context: ObjectErrorContext = {}): Promise<Uint8Array | undefined> {
    try {
      const out = await this.#client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      if (!out.Body) return new Uint8Array();
      return await out.Body.transformToByteArray();
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw this.error(error, 'read', key, context);
    }
  }

  async getText(key: string, context: ObjectErrorContext = {}): Promise<string | undefined> {
    const bytes = await this.get(key, context);
    return bytes === undefined ? undefined : Buffer.from(bytes).toString('utf8');
  }

  /** Whether the object exists (a HEAD request). */
  async exists(key: string, context: ObjectErrorContext = {}): Promise<boolean> {
    try {
      await this.#client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw this.error(error, 'read', key, context);
    }
  }

  /** Writes the object whole: PutObject replaces an object atomically, so a reader sees the old or the new one. */
  async put(key: string, body: string | Uint8Array, context: ObjectErrorContext = {}): Promise<void> {
    try {
      await this.#client.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentLength: Buffer.byteLength(body) }));
    } catch (error) {
      throw this.error(error, 'write', key, context);
    }
  }

  async delete(key: string, context: ObjectErrorContext = {}): Promise<void> {
    try {
      await this.#client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
    } catch (error) {
      if (isNotFound(error)) return;
      throw this.error(error, 'remove', key, context);
    }
  }

  async deleteMany(keys: readonly string[], context: ObjectErrorContext = {}): Promise<void> {
    await mapLimit(keys, DELETE_CONCURRENCY, (key) => this.delete(key, context));
  }

  /** Every object under `prefix` (all pages of the listing), sorted by key. */
  async list(prefix: string, context: ObjectErrorContext = {}): Promise<ListedObject[]> {
    const out: ListedObject[] = [];
    let token: string | undefined;
    do {
      let page: ListObjectsV2CommandOutput;
      try {
        page = await this.#client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token }));
      } catch (error) {
        throw this.error(error, 'list', prefix, context);
      }
      for (const o of page.Contents ?? []) if (o.Key !== undefined) out.push({ key: o.Key, size: o.Size ?? 0 });
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  /** The "folder" names directly under `prefix` (ListObjectsV2 with a "/" delimiter), sorted. */
  async listFolders(prefix: string, context: ObjectErrorContext = {}): Promise<string[]> {
    const out: string[] = [];
    let token: string | undefined;
    do {
      let page: ListObjectsV2CommandOutput;
      try {
        page = await this.#client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, Delimiter: '/', ContinuationToken: token }));
      } catch (error) {
        throw this.error(error, 'list', prefix, context);
      }
      for (const p of page.CommonPrefixes ?? []) if (p.Prefix) out.push(p.Prefix.slice(prefix.length, -1));
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return out.sort();
  }

  /** BookpipeError STORAGE_ERROR: which object, what the server said, and what to check. */
  error(error: unknown, action: string, key: string, context: ObjectErrorContext = {}): BookpipeError {
    if (BookpipeError.isInstance(error)) return error;
    const e = error as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
    const status = e.$metadata?.httpStatusCode;
    const said = `${e.name ?? 'Error'}${status ? ` (HTTP ${status})` : ''}: ${e.message ?? String(error)}`;
    const next =
      status === 403 || e.name === 'AccessDenied' || e.name === 'InvalidAccessKeyId' || e.name === 'SignatureDoesNotMatch'
        ? 'Check the credentials (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY) and that they may use this bucket'
        : e.name === 'NoSuchBucket'
          ? `Create the bucket "${this.bucket}" or point the storage URL at one that exists`
          : 'Check the endpoint, the bucket and the network, then run again: finished pages are kept';
    const where = [context.scanId && `scan "${context.scanId}"`, context.stage && `stage "${context.stage}"`, context.page && `page ${context.page}`]
      .filter(Boolean)
      .join(', ');
    return new BookpipeError(ErrorCode.STORAGE_ERROR, `Could not ${action} ${this.url(key)}${where ? ` (${where})` : ''}: ${said}. ${next}.`, {
      details: { ...context, file: this.url(key), s3Error: e.name, httpStatus: status },
      cause: error,
    });
  }
}

function isNotFound(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  // A missing bucket is a 404 too, and an error worth seeing.
  if (e?.name === 'NoSuchBucket') return false;
  return e?.name === 'NoSuchKey' || e?.name === 'NotFound' || e?.$metadata?.httpStatusCode === 404;
}
