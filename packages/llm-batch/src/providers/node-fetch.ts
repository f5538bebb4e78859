import http from 'node:http';
import https from 'node:https';

/** The `fetch` signature both SDKs accept as their `fetch` option. */
export type FetchFunction = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

export interface NodeFetchOptions {
  /** Sockets kept per host; the client's own concurrency bounds use anyway. @default 256 */
  maxSockets?: number;
}

/**
 * A small `fetch` over node:http(s) with keep-alive agents, for the SDKs' `fetch` option.
 *
 * Why: the global fetch (undici behind WHATWG streams) costs about twice the CPU of node:http
 * per request, and at hundreds of requests a second the client's CPU is mostly that. The SDKs
 * only need what is here: a method, headers, a string or byte body, an abort signal, and a
 * buffered `Response`. Not covered, on purpose: redirects (the APIs do not redirect POSTs),
 * streaming request bodies, and proxies from the environment (use the default `fetch` for them:
 * `transport: 'fetch'`).
 */
export function createNodeFetch(options: NodeFetchOptions = {}): FetchFunction {
  const maxSockets = options.maxSockets ?? 256;
  const agents = {
    'http:': new http.Agent({ keepAlive: true, maxSockets }),
    'https:': new https.Agent({ keepAlive: true, maxSockets }),
  };

  return (input, init = {}) => {
    const url = typeof input === 'string' ? new URL(input) : input instanceof URL ? input : new URL(input.url);
    const signal = init.signal ?? undefined;
    if (signal?.aborted) return Promise.reject(abortError(signal));
    const transport = url.protocol === 'https:' ? https : url.protocol === 'http:' ? http : undefined;
    if (!transport) return Promise.reject(new TypeError(`fetch failed: unsupported protocol ${url.protocol}`));
    const headers = toHeaderRecord(init.headers);
    const body = toBody(init.body);
    if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));

    return new Promise<Response>((resolve, reject) => {
      let settled = false;
      const fail = (error: Error) => {
        if (settled) return;
        settled = true;
        signal?.removeEventListener('abort', onAbort);
        reject(error);
      };
      const request = transport.request(url, { method: init.method ?? 'GET', headers, agent: agents[url.protocol as 'http:' | 'https:'] }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', (error) => fail(new TypeError('fetch failed', { cause: error })));
        response.on('aborted', () => fail(new TypeError('fetch failed: response aborted')));
        response.on('end', () => {
          if (settled) return;
          if (!response.complete) return fail(new TypeError('terminated: the connection closed before the body was complete'));
          settled = true;
          signal?.removeEventListener('abort', onAbort);
          const status = response.statusCode ?? 0;
          const nullBody = status === 204 || status === 205 || status === 304 || init.method === 'HEAD';
          resolve(
            new BufferedResponse(nullBody ? null : Buffer.concat(chunks), {
              status,
              statusText: response.statusMessage ?? '',
              headers: toHeaders(response.headers),
            }),
          );
        });
      });
      const onAbort = () => {
        const error = abortError(signal as AbortSignal);
        request.destroy(error);
        fail(error);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      request.on('error', (error) => fail(isAbort(error) ? error : new TypeError('fetch failed', { cause: error })));
      request.end(body);
    });
  };
}

/**
 * A real Response (status, headers, `instanceof`) whose text() and json() read the buffered bytes
 * directly: the SDKs read every answer whole, and going through a web stream to do so costs more
 * CPU than the parsing itself.
 */
class BufferedResponse extends Response {
  constructor(bytes: Buffer | null, init: ResponseInit) {
    super(null, init);
    let used = false;
    let stream: ReadableStream<Uint8Array> | null | undefined;
    const read = async (): Promise<string> => {
      if (used || stream?.locked) throw new TypeError('Body is unusable: Body has already been read');
      used = true;
      return bytes === null ? '' : bytes.toString('utf8');
    };
    // Own properties shadow Response's prototype members (TypeScript types those as properties).
    Object.defineProperties(this, {
      bodyUsed: { get: () => used },
      // Only built when someone asks for it (middleware checks `body?.locked`; streams read it).
      body: {
        get: () => {
          if (stream === undefined) {
            stream =
              bytes === null
                ? null
                : new ReadableStream<Uint8Array>({
                    start(controller) {
                      controller.enqueue(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
                      controller.close();
                    },
                  });
          }
          return stream;
        },
      },
      text: { value: read },
      json: { value: async () => JSON.parse(await read()) as unknown },
      arrayBuffer: { value: async () => new TextEncoder().encode(await read()).buffer },
      clone: {
        value: () => {
          if (used) throw new TypeError('Response.clone: Body has already been consumed.');
          return new BufferedResponse(bytes, { status: this.status, statusText: this.statusText, headers: new Headers(this.headers) });
        },
      },
    });
  }
}

function abortError(signal: AbortSignal): Error {
  // The SDKs recognise an abort by `name === 'AbortError'`, as the fetch standard throws it.
  const reason = signal.reason;
  return reason instanceof Error && reason.name === 'AbortError' ? reason : new DOMException('This operation was aborted', 'AbortError');
}

function isAbort(error: Error): boolean {
  return error.name === 'AbortError';
}

function toHeaderRecord(headers: RequestInit['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  if (!headers) return out;
  if (headers instanceof Headers) {
    headers.forEach((value, key) => {
      out[key] = value;
    });
  } else if (Array.isArray(headers)) for (const [key, value] of headers) out[String(key).toLowerCase()] = String(value);
  else for (const [key, value] of Object.entries(headers)) if (value !== undefined) out[key.toLowerCase()] = String(value);
  return out;
}

function toHeaders(raw: http.IncomingHttpHeaders): Headers {
  const headers = new Headers();
  for (const [key, value] of Object.entries(raw)) {
    if (Array.isArray(value)) for (const v of value) headers.append(key, v);
    else if (value !== undefined) headers.set(key, value);
  }
  return headers;
}

function toBody(body: RequestInit['body']): string | Uint8Array | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string' || body instanceof Uint8Array) return body;
  if (body instanceof ArrayBuffer) return new Uint8Array(body);
  // FormData, streams, Blobs: not used by chat completions or messages.
  throw new TypeError(`fetch: unsupported body type ${Object.prototype.toString.call(body)}`);
}
