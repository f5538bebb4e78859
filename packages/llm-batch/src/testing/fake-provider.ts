import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { JsonSchema } from '../types.js';
import { exampleFromSchema } from './example-from-schema.js';
import { batchOutcomeOf, createBatchRoutes, type FakeBatch, type FakeBatchOptions } from './fake-batches.js';

/** A request as the fake provider received it, handed to your responder and kept in `requests`. */
export interface FakeRequest {
  /** Which wire format it came in: `POST /v1/chat/completions` or `POST /v1/messages`. */
  api: 'openai' | 'anthropic';
  /** 0-based position among every request this server received. */
  callIndex: number;
  /** The client's request id (`x-bookpipe-request-id` header), or a hash of the body when absent. */
  id: string;
  /** 1-based: how many requests with this id the server has received, this one included. */
  attempt: number;
  model: string;
  /** The JSON Schema the answer must follow (OpenAI `response_format`, Anthropic forced tool). */
  schema: JsonSchema | undefined;
  schemaName: string | undefined;
  /** All text of the prompt (system and messages), joined with newlines. */
  text: string;
  /** The output-token limit asked for (`max_completion_tokens` / `max_tokens`), when set. */
  maxTokens: number | undefined;
  /** The images received, decoded. */
  images: { mediaType: string; data: Buffer }[];
  /** The parsed JSON body, exactly as sent. */
  body: Record<string, unknown>;
  headers: IncomingHttpHeaders;
  /** Set when the request came inside a batch (its custom_id is `id`): the batch's id. */
  batchId?: string;
}

/** Token counts to report; the defaults estimate about 4 characters a token. */
export interface FakeUsage {
  promptTokens?: number;
  completionTokens?: number;
}

/**
 * What the fake provider answers. Every variant takes an optional `latencyMs` (real time before
 * answering; default: the server's `latencyMs`).
 *
 * - `{ json }`: a proper answer with this structured output (need not match the schema: that is
 *   how to test a schema violation), with optional `usage`, `costUsd` (sent as OpenRouter's
 *   `usage.cost`, OpenAI format only) and `model`.
 * - `{ content }`: a proper HTTP answer whose model output is this raw text (e.g. cut-off JSON).
 * - `{ fault: 'rateLimit', retryAfterSeconds?, retryAfterMs?, retryAfterDate? }`: 429 with those headers.
 * - `{ fault: 'serverError', status?, retryAfterSeconds? }`: 500 (or 502, 503...), with a Retry-After when given.
 * - `{ fault: 'httpError', status, message?, headers? }`: any error status, e.g. 400 or 401.
 * - `{ fault: 'reset' }`: the socket is destroyed without an answer.
 * - `{ fault: 'hang' }`: no answer until the client gives up (or the server closes).
 * - `{ fault: 'truncatedBody' }`: a 200 whose JSON body is cut in half.
 * - `{ fault: 'truncatedJson' }`: a proper HTTP answer whose model output is cut-off JSON.
 * - `{ fault: 'schemaViolation' }`: a proper answer whose output is `{}`.
 * - `{ fault: 'truncated' }`: the answer stopped at the token limit: cut-off JSON with
 *   `finish_reason: length` (OpenAI), or a tool call with `{}` input and `stop_reason: max_tokens` (Anthropic).
 * - `{ fault: 'fencedJson' }`: the schema-valid answer as text in a ```json fence (what local servers
 *   that ignore `response_format` send); on Anthropic a text block instead of the tool call.
 * - `{ fault: 'html200' }`: HTTP 200 with an HTML page (`text/html`), as a wrong base URL or a proxy gives.
 * - `{ fault: 'unauthorized' }`: 401 with each API's invalid-key error.
 * - `{ fault: 'quotaExhausted' }`: OpenAI's 429 `insufficient_quota`; Anthropic's 400 "credit balance is too low".
 */
export type FakeReply = { latencyMs?: number } & (
  | { json: unknown; usage?: FakeUsage; costUsd?: number; model?: string }
  | { content: string; usage?: FakeUsage }
  | { fault: 'rateLimit'; retryAfterSeconds?: number; retryAfterMs?: number; retryAfterDate?: Date | string }
  | { fault: 'serverError'; status?: number; retryAfterSeconds?: number }
  | { fault: 'httpError'; status: number; message?: string; headers?: Record<string, string> }
  | { fault: 'reset' | 'hang' | 'truncatedBody' | 'truncatedJson' | 'schemaViolation' }
  | { fault: 'truncated' | 'fencedJson' | 'html200' | 'unauthorized' | 'quotaExhausted' }
);

/**
 * Decides the answer to one request. Return `undefined` for the default answer: a value built
 * from the request's schema (see `exampleFromSchema`).
 *
 * @example
 * // fail each request's first attempt with a 503, then answer with page-specific JSON
 * respond: ({ attempt, id }) => (attempt === 1 ? { fault: 'serverError', status: 503 } : { json: { page: id } })
 */
export type FakeResponder = (request: FakeRequest) => FakeReply | undefined | Promise<FakeReply | undefined>;

export interface FakeProviderOptions {
  /** @default every request gets a schema-valid answer built from its schema */
  respond?: FakeResponder;
  /** Real milliseconds to wait before each answer. @default 0 */
  latencyMs?: number;
  /** Keep received requests in `requests` (turn off for long benchmarks to save memory). @default true */
  record?: boolean;
  /** How the batch APIs behave (polls before the end, expired, cancelled, missing lines, 429 on create). @default every batch ends after one in-progress poll */
  batch?: FakeBatchOptions;
}

export interface FakeProvider extends AsyncDisposable {
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** For `openaiCompatible({ baseURL })`: `<url>/v1`. */
  openaiBaseURL: string;
  /** For `anthropic({ baseURL })`: `<url>` (the SDK adds `/v1/messages`). */
  anthropicBaseURL: string;
  /** Every request received, in order of arrival. */
  requests: FakeRequest[];
  /** The requests received for one id, in order. */
  requestsFor(id: string): FakeRequest[];
  /** Stops listening and drops every connection, hanging ones included. */
  close(): Promise<void>;
  /** Every batch created (OpenAI and Anthropic), in order. */
  batches: FakeBatch[];
  /** Batch create calls received (`POST /v1/batches`, `POST /v1/messages/batches`), refused ones included. */
  batchCreateCalls(): number;
  /** HTTP requests received on any route, batch polls and file downloads included. */
  httpCalls(): number;
}

/**
 * Starts a real HTTP server on 127.0.0.1 (a free port) that speaks the OpenAI chat-completions
 * and Anthropic messages wire formats, answering as scripted by `respond`. Meant for tests of code
 * that uses `@bookpipe/llm-batch`: the real SDK clients talk to it, faults included.
 *
 * @example
 * await using fake = await startFakeProvider({ respond: ({ attempt }) => (attempt < 3 ? { fault: 'reset' } : undefined) });
 * const client = new LlmBatchClient({ provider: openaiCompatible({ baseURL: fake.openaiBaseURL, apiKey: 'test' }) });
 */
export async function startFakeProvider(options: FakeProviderOptions = {}): Promise<FakeProvider> {
  const requests: FakeRequest[] = [];
  const attemptsById = new Map<string, number>();
  const sockets = new Set<Socket>();
  const pendingTimers = new Set<NodeJS.Timeout>();
  let callIndex = 0;
  let httpCalls = 0;
  const record = options.record ?? true;
  let url = '';
  const batchRoutes = createBatchRoutes({
    get url() {
      return url;
    },
    options: options.batch ?? {},
    answerOne: async (api, id, body, batchId) => {
      const attempt = (attemptsById.get(id) ?? 0) + 1;
      attemptsById.set(id, attempt);
      const raw = JSON.stringify(body);
      const request: FakeRequest = { api, callIndex: callIndex++, id, attempt, model: String(body.model), body, headers: {}, batchId, ...parseBody(api, body) };
      if (record) requests.push(request);
      const reply = (await options.respond?.(request)) ?? { json: exampleFromSchema(request.schema) };
      if (batchOutcomeOf(reply) === 'connectionFault') return { status: 500, body: errorBody(api, 500, 'api_error', 'Internal server error') };
      return captureAnswer(api, request, reply, raw.length);
    },
  });

  const server = createServer({ keepAliveTimeout: 30_000 }, (req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { error: { message: `fake provider failed: ${(error as Error).message}` } });
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    httpCalls++;
    const raw = await readBody(req);
    if (await batchRoutes.handle(req, res, raw)) return;
    const api =
      req.method === 'POST' && req.url?.split('?')[0] === '/v1/chat/completions'
        ? 'openai'
        : req.method === 'POST' && req.url?.split('?')[0] === '/v1/messages'
          ? 'anthropic'
          : undefined;
    if (!api) return sendJson(res, 404, { error: { message: `fake provider: no route for ${req.method} ${req.url}` } });
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(raw) as Record<string, unknown>;
    } catch {
      return sendJson(res, 400, { error: { message: 'fake provider: the body is not JSON' } });
    }
    const header = req.headers['x-bookpipe-request-id'];
    const id = typeof header === 'string' ? header : `body:${hash(raw)}`;
    const attempt = (attemptsById.get(id) ?? 0) + 1;
    attemptsById.set(id, attempt);
    const request: FakeRequest = {
      api,
      callIndex: callIndex++,
      id,
      attempt,
      model: String(body.model),
      body,
      headers: req.headers,
      ...parseBody(api, body),
    };
    if (record) requests.push(request);

    const reply = (await options.respond?.(request)) ?? { json: exampleFromSchema(request.schema) };
    const latency = reply.latencyMs ?? options.latencyMs ?? 0;
    if ('fault' in reply && reply.fault === 'hang') return; // closed by the client's timeout, or by close()
    if ('fault' in reply && reply.fault === 'reset') {
      req.socket.destroy();
      return;
    }
    if (latency > 0) await wait(latency);
    if (res.destroyed) return;
    answer(api, request, reply, raw.length, res);
  }

  function wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        pendingTimers.delete(timer);
        resolve();
      }, ms);
      pendingTimers.add(timer);
    });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  url = `http://127.0.0.1:${port}`;

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= new Promise<void>((resolve) => {
      for (const timer of pendingTimers) clearTimeout(timer);
      server.close(() => resolve());
      server.closeAllConnections();
      for (const socket of sockets) socket.destroy();
    });
    return closing;
  };

  return {
    url,
    openaiBaseURL: `${url}/v1`,
    anthropicBaseURL: url,
    requests,
    requestsFor: (id) => requests.filter((r) => r.id === id),
    close,
    [Symbol.asyncDispose]: close,
    batches: batchRoutes.batches,
    batchCreateCalls: batchRoutes.createCalls,
    httpCalls: () => httpCalls,
  };
}

/** What the live route would send for this reply (status and parsed body), without a socket: a batch line's content. */
function captureAnswer(api: 'openai' | 'anthropic', request: FakeRequest, reply: FakeReply, promptChars: number): { status: number; body: unknown } {
  let status = 500;
  let text = '';
  const sink = {
    writeHead(code: number) {
      status = code;
      return sink;
    },
    end(data?: string | Buffer) {
      text = data === undefined ? '' : data.toString();
    },
  };
  answer(api, request, reply, promptChars, sink as unknown as ServerResponse);
  return { status, body: JSON.parse(text) as unknown };
}

function answer(api: 'openai' | 'anthropic', request: FakeRequest, reply: FakeReply, promptChars: number, res: ServerResponse): void {
  if ('fault' in reply) {
    switch (reply.fault) {
      case 'rateLimit': {
        const headers: Record<string, string> = {};
        if (reply.retryAfterSeconds !== undefined) headers['retry-after'] = String(reply.retryAfterSeconds);
        if (reply.retryAfterMs !== undefined) headers['retry-after-ms'] = String(reply.retryAfterMs);
        if (reply.retryAfterDate !== undefined) {
          headers['retry-after'] = typeof reply.retryAfterDate === 'string' ? reply.retryAfterDate : reply.retryAfterDate.toUTCString();
        }
        sendJson(res, 429, errorBody(api, 429, 'rate_limit_error', 'Rate limit reached, slow down'), headers);
        return;
      }
      case 'serverError': {
        const status = reply.status ?? 500;
        const headers: Record<string, string> = reply.retryAfterSeconds === undefined ? {} : { 'retry-after': String(reply.retryAfterSeconds) };
        sendJson(res, status, errorBody(api, status, 'api_error', `Upstream failure ${status}`), headers);
        return;
      }
      case 'httpError':
        sendJson(res, reply.status, errorBody(api, reply.status, 'invalid_request_error', reply.message ?? `Error ${reply.status}`), reply.headers);
        return;
      case 'truncatedBody': {
        const text = JSON.stringify(successBody(api, request, { json: exampleFromSchema(request.schema) }, promptChars));
        const cut = Buffer.from(text.slice(0, Math.floor(text.length / 2)));
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': cut.length });
        res.end(cut);
        return;
      }
      case 'truncatedJson': {
        const text = JSON.stringify(exampleFromSchema(request.schema));
        sendJson(res, 200, successBody(api, request, { content: text.slice(0, Math.max(1, Math.floor(text.length / 2))) }, promptChars));
        return;
      }
      case 'schemaViolation':
        sendJson(res, 200, successBody(api, request, { json: {} }, promptChars));
        return;
      case 'truncated': {
        const text = JSON.stringify(exampleFromSchema(request.schema));
        const body =
          api === 'openai'
            ? successBody(api, request, { content: text.slice(0, Math.max(1, Math.floor(text.length / 2))) }, promptChars)
            : successBody(api, request, { json: {} }, promptChars);
        sendJson(res, 200, withStop(api, body, api === 'openai' ? 'length' : 'max_tokens'));
        return;
      }
      case 'fencedJson': {
        const text = `\`\`\`json\n${JSON.stringify(exampleFromSchema(request.schema), null, 2)}\n\`\`\``;
        sendJson(res, 200, successBody(api, request, { content: text }, promptChars));
        return;
      }
      case 'html200': {
        const html = '<!DOCTYPE html>\n<html><head><title>Welcome</title></head><body><h1>It works!</h1></body></html>\n';
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-length': Buffer.byteLength(html) });
        res.end(html);
        return;
      }
      case 'unauthorized':
        sendJson(
          res,
          401,
          api === 'openai'
            ? { error: { message: 'Incorrect API key provided: sk-te***st.', type: 'invalid_request_error', code: 'invalid_api_key', param: null } }
            : { type: 'error', error: { type: 'authentication_error', message: 'invalid x-api-key' } },
        );
        return;
      case 'quotaExhausted':
        if (api === 'openai') {
          sendJson(res, 429, {
            error: {
              message: 'You exceeded your current quota, please check your plan and billing details.',
              type: 'insufficient_quota',
              code: 'insufficient_quota',
              param: null,
            },
          });
        } else {
          sendJson(res, 400, {
            type: 'error',
            error: {
              type: 'invalid_request_error',
              message: 'Your credit balance is too low to access the Anthropic API. Please go to Plans & Billing to upgrade or purchase credits.',
            },
          });
        }
        return;
      default:
        return;
    }
  }
  sendJson(res, 200, successBody(api, request, reply, promptChars));
}

type Answer = { json: unknown; usage?: FakeUsage; costUsd?: number; model?: string } | { content: string; usage?: FakeUsage };

function successBody(api: 'openai' | 'anthropic', request: FakeRequest, reply: Answer, promptChars: number): unknown {
  const output = 'json' in reply ? JSON.stringify(reply.json) : reply.content;
  const promptTokens = reply.usage?.promptTokens ?? Math.ceil(promptChars / 4);
  const completionTokens = reply.usage?.completionTokens ?? Math.ceil(output.length / 4);
  const model = ('json' in reply && reply.model) || request.model;
  if (api === 'openai') {
    return {
      id: `chatcmpl-fake-${request.callIndex}`,
      object: 'chat.completion',
      created: Math.floor(Date.now() / 1000),
      model,
      choices: [{ index: 0, message: { role: 'assistant', content: output, refusal: null }, finish_reason: 'stop', logprobs: null }],
      usage: {
        prompt_tokens: promptTokens,
        completion_tokens: completionTokens,
        total_tokens: promptTokens + completionTokens,
        ...('json' in reply && reply.costUsd !== undefined ? { cost: reply.costUsd } : {}),
      },
    };
  }
  const content =
    'json' in reply
      ? [{ type: 'tool_use', id: `toolu_fake_${request.callIndex}`, name: request.schemaName ?? 'answer', input: reply.json }]
      : [{ type: 'text', text: output }];
  return {
    id: `msg_fake_${request.callIndex}`,
    type: 'message',
    role: 'assistant',
    model,
    content,
    stop_reason: 'json' in reply ? 'tool_use' : 'end_turn',
    stop_sequence: null,
    usage: { input_tokens: promptTokens, output_tokens: completionTokens, cache_creation_input_tokens: null, cache_read_input_tokens: null },
  };
}

/** A success body whose stop reason is changed, e.g. to say the answer hit the token limit. */
function withStop(api: 'openai' | 'anthropic', body: unknown, reason: string): unknown {
  const b = body as { choices?: { finish_reason: string }[]; stop_reason?: string };
  if (api === 'openai' && b.choices?.[0]) b.choices[0].finish_reason = reason;
  if (api === 'anthropic') b.stop_reason = reason;
  return b;
}

function errorBody(api: 'openai' | 'anthropic', status: number, type: string, message: string): unknown {
  if (api === 'openai') return { error: { message, type, code: status === 429 ? 'rate_limit_exceeded' : null } };
  return { type: 'error', error: { type: status === 429 ? 'rate_limit_error' : status >= 500 ? 'api_error' : type, message } };
}

function parseBody(api: 'openai' | 'anthropic', body: Record<string, unknown>): Pick<FakeRequest, 'schema' | 'schemaName' | 'text' | 'images' | 'maxTokens'> {
  const texts: string[] = [];
  const images: FakeRequest['images'] = [];
  const messages = Array.isArray(body.messages) ? (body.messages as Record<string, unknown>[]) : [];
  if (typeof body.system === 'string') texts.push(body.system);
  for (const message of messages) {
    const content = message.content;
    if (typeof content === 'string') {
      texts.push(content);
      continue;
    }
    for (const part of Array.isArray(content) ? (content as Record<string, unknown>[]) : []) {
      if (typeof part.text === 'string') texts.push(part.text);
      const imageUrl = (part.image_url as { url?: string } | undefined)?.url;
      const dataUrl = imageUrl && /^data:([^;]+);base64,(.*)$/s.exec(imageUrl);
      if (dataUrl) images.push({ mediaType: dataUrl[1] as string, data: Buffer.from(dataUrl[2] as string, 'base64') });
      const source = part.source as { type?: string; media_type?: string; data?: string } | undefined;
      if (part.type === 'image' && source?.type === 'base64') {
        images.push({ mediaType: String(source.media_type), data: Buffer.from(String(source.data), 'base64') });
      }
    }
  }
  let schema: JsonSchema | undefined;
  let schemaName: string | undefined;
  if (api === 'openai') {
    const format = body.response_format as { json_schema?: { name?: string; schema?: JsonSchema } } | undefined;
    schema = format?.json_schema?.schema;
    schemaName = format?.json_schema?.name;
  } else {
    const choice = body.tool_choice as { name?: string } | undefined;
    const tools = Array.isArray(body.tools) ? (body.tools as { name?: string; input_schema?: JsonSchema }[]) : [];
    const tool = tools.find((t) => t.name === choice?.name) ?? tools[0];
    schema = tool?.input_schema;
    schemaName = tool?.name;
  }
  const limit = api === 'openai' ? (body.max_completion_tokens ?? body.max_tokens) : body.max_tokens;
  return { schema, schemaName, text: texts.join('\n'), images, maxTokens: typeof limit === 'number' ? limit : undefined };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** FNV-1a, enough to tell request bodies apart when no id header was sent. */
function hash(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(16);
}
