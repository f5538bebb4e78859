import { BookpipeError, ErrorCode } from '@bookpipe/core';
import type { ConnectionOptions } from 'bullmq';
import { Redis } from 'ioredis';

/** How long a first connection may take before Redis counts as unreachable. */
const CONNECT_TIMEOUT_MS = 5_000;

/** The URL without its password, for messages and logs. */
export function redactRedisUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return url;
  }
}

/**
 * Checks that Redis answers at `url` (one PING on a connection of its own that does not retry), then
 * returns the connection options BullMQ's queues and workers take. BullMQ's own connections retry
 * forever, which is right once running (a Redis restart must not kill the workers) but would leave a
 * mistyped URL hanging in silence.
 * @throws BookpipeError CONFIG_INVALID naming the URL and what to check.
 */
export async function connectRedis(url: string): Promise<ConnectionOptions> {
  if (!/^rediss?:\/\//.test(url)) {
    throw new BookpipeError(
      ErrorCode.CONFIG_INVALID,
      `--redis ${JSON.stringify(redactRedisUrl(url))} is not a Redis URL: give redis://host:port (or rediss:// for TLS), e.g. redis://127.0.0.1:6379.`,
    );
  }
  const probe = new Redis(url, {
    lazyConnect: true,
    connectTimeout: CONNECT_TIMEOUT_MS,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableOfflineQueue: false,
  });
  probe.on('error', () => {}); // reported by connect() below
  try {
    await probe.connect();
    await probe.ping();
    const policy = (await probe.config('GET', 'maxmemory-policy').catch(() => [])) as string[];
    if (policy[1] !== undefined && policy[1] !== 'noeviction') {
      throw new BookpipeError(
        ErrorCode.CONFIG_INVALID,
        `Redis at ${redactRedisUrl(url)} evicts keys (maxmemory-policy ${policy[1]}): BullMQ would lose jobs. Set \`maxmemory-policy noeviction\` in its redis.conf (or CONFIG SET) and start again.`,
      );
    }
  } catch (error) {
    if (BookpipeError.isInstance(error)) throw error;
    throw new BookpipeError(
      ErrorCode.CONFIG_INVALID,
      `Redis is unreachable at ${redactRedisUrl(url)}: ${(error as Error).message}. Start it (\`redis-server\`, or \`apt-get install redis-server\`), or check the host, port and password in --redis.`,
      { cause: error },
    );
  } finally {
    probe.disconnect();
  }
  // Workers block on Redis: BullMQ needs maxRetriesPerRequest null on their connections.
  return { url, maxRetriesPerRequest: null };
}
