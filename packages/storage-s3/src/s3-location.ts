import { BookpipeError, ErrorCode } from '@bookpipe/core';

/** Where scans live in an object store: a bucket and a key prefix ("" or ending in "/"). */
export interface S3Location {
  bucket: string;
  /** Key prefix of the storage root, "" or ending in "/": `library/` holds `library/<scanId>/...`. */
  prefix: string;
}

/** S3's own rule for bucket names (3-63 characters of lower-case letters, digits, dots and hyphens). */
const BUCKET_RE = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/**
 * `s3://bucket/some/prefix` as a bucket and a prefix ending in "/". @throws BookpipeError CONFIG_INVALID
 * @example parseS3Url('s3://books/library') // { bucket: 'books', prefix: 'library/' }
 */
export function parseS3Url(url: string): S3Location {
  const m = typeof url === 'string' ? /^s3:\/\/([^/]+)(?:\/(.*))?$/.exec(url) : null;
  const bucket = m?.[1] ?? '';
  if (!m || !BUCKET_RE.test(bucket)) {
    throw new BookpipeError(
      ErrorCode.CONFIG_INVALID,
      `Storage URL ${JSON.stringify(String(url).slice(0, 200))} is not an S3 location: write it as s3://<bucket>/<prefix>, for example s3://my-books/library (bucket names are 3-63 lower-case letters, digits, dots and hyphens).`,
      { details: { url } },
    );
  }
  const parts = (m[2] ?? '').split('/').filter((p) => p !== '');
  if (parts.some((p) => p === '.' || p === '..')) {
    throw new BookpipeError(
      ErrorCode.CONFIG_INVALID,
      `Storage URL ${url} has "." or ".." in its prefix: write it as s3://<bucket>/<prefix> with a plain prefix (s3://${bucket}/library).`,
      {
        details: { url },
      },
    );
  }
  return { bucket, prefix: parts.length === 0 ? '' : `${parts.join('/')}/` };
}

/** `s3://bucket/key`: what errors and `dir`/`filePath` show. */
export function s3Url(bucket: string, key: string): string {
  return `s3://${bucket}/${key}`;
}
