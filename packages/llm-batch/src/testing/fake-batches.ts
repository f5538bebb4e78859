// The batch APIs of the loopback fake provider: OpenAI files + batches and Anthropic message
// batches, answered with the same responder (and so the same per-request faults) as the live routes.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FakeReply, FakeRequest } from './fake-provider.js';

/**
 * How the fake's batches behave. Per-request answers come from the server's `respond`, exactly as
 * for a live request: a request whose reply is an HTTP error (429, 5xx, 4xx, a refused key) ends
 * `errored` (Anthropic) or in the errors file (OpenAI `error_file_id`); a connection fault (reset,
 * hang, cut-off body, HTML page) ends as a 500 there; every other reply is a succeeded answer.
 */
export interface FakeBatchOptions {
  /**
   * Status polls (`GET` of the batch) answered `in_progress` before the batch has ended. Counts
   * reported while in progress grow with the polls. @default 1
   */
  pollsInProgress?: number;
  /** Requests the provider never got to: `expired` (Anthropic), `batch_expired` in the errors file (OpenAI, batch `expired`). */
  expire?: (customId: string) => boolean;
  /** Requests whose line the results file leaves out (a provider bug the client must survive). */
  dropLine?: (customId: string) => boolean;
  /**
   * The batch is cancelled (by someone else) after this many requests were answered: the rest end
   * `canceled` (Anthropic) or without any line (OpenAI, batch `cancelled`).
   */
  cancelAfter?: number;
  /** The first this-many create calls (`POST /v1/batches`, `POST /v1/messages/batches`) get a 429 with `Retry-After: 1`. @default 0 */
  createRateLimited?: number;
}

/** One batch the fake holds, for tests to inspect. */
export interface FakeBatch {
  api: 'openai' | 'anthropic';
  id: string;
  customIds: string[];
  /** Status polls received so far. */
  polls: number;
  cancelled: boolean;
}

interface StoredBatch extends FakeBatch {
  createdAt: number;
  /** custom_id -> what the answer logic decided, computed at creation. */
  outcomes: Map<string, Outcome>;
  inputFileId?: string;
  outputFileId?: string;
  errorFileId?: string;
}

/** What one request inside a batch ended as. */
type Outcome = { kind: 'succeeded'; body: unknown } | { kind: 'errored'; status: number; body: unknown } | { kind: 'expired' } | { kind: 'canceled' };

/** What the fake provider lends its batch routes: the answer logic of the live routes. */
export interface BatchHost {
  url: string;
  options: FakeBatchOptions;
  /** Runs the live answer logic for one request body; returns the HTTP status and body the live route would send. */
  answerOne(api: 'openai' | 'anthropic', id: string, body: Record<string, unknown>, batchId: string): Promise<{ status: number; body: unknown }>;
}

export interface BatchRoutes {
  batches: FakeBatch[];
  /** Create calls received, 429s included. */
  createCalls(): number;
  /** Handles the request when it is a batch route; false when it is not one. */
  handle(req: IncomingMessage, res: ServerResponse, raw: string): Promise<boolean>;
}

export function createBatchRoutes(host: BatchHost): BatchRoutes {
  const files = new Map<string, { purpose: string; content: string }>();
  const batches = new Map<string, StoredBatch>();
  const list: FakeBatch[] = [];
  let creates = 0;
  let nextId = 1;
  const newId = (prefix: string) => `${prefix}${String(nextId++).padStart(6, '0')}`;
  const polls = () => host.options.pollsInProgress ?? 1;

  async function build(api: 'openai' | 'anthropic', id: string, items: { customId: string; body: Record<string, unknown> }[]): Promise<StoredBatch> {
    const outcomes = new Map<string, Outcome>();
    let answered = 0;
    for (const item of items) {
      if (host.options.expire?.(item.customId)) outcomes.set(item.customId, { kind: 'expired' });
      else if (host.options.cancelAfter !== undefined && answered >= host.options.cancelAfter) outcomes.set(item.customId, { kind: 'canceled' });
      else {
        answered++;
        const { status, body } = await host.answerOne(api, item.customId, item.body, id);
        outcomes.set(item.customId, status === 200 ? { kind: 'succeeded', body } : { kind: 'errored', status, body });
      }
    }
    const batch: StoredBatch = {
      api,
      id,
      customIds: items.map((i) => i.customId),
      polls: 0,
      cancelled: host.options.cancelAfter !== undefined && host.options.cancelAfter < items.length,
      createdAt: Math.floor(Date.now() / 1000),
      outcomes,
    };
    batches.set(id, batch);
    list.push(batch);
    return batch;
  }

  function ended(batch: StoredBatch): boolean {
    return batch.polls > polls();
  }

  /** Counts as the provider reports them: while in progress, a growing share of the final ones. */
  function counts(batch: StoredBatch): { total: number; ok: number; errored: number; expired: number; canceled: number } {
    const total = batch.customIds.length;
    const final = { ok: 0, errored: 0, expired: 0, canceled: 0 };
    for (const o of batch.outcomes.values()) {
      if (o.kind === 'succeeded') final.ok++;
      else if (o.kind === 'errored') final.errored++;
      else if (o.kind === 'expired') final.expired++;
      else final.canceled++;
    }
    if (ended(batch)) return { total, ...final };
    const share = batch.polls / (polls() + 1);
    return { total, ok: Math.floor(final.ok * share), errored: Math.floor(final.errored * share), expired: 0, canceled: 0 };
  }

  function openaiBatch(batch: StoredBatch): unknown {
    const c = counts(batch);
    const done = ended(batch);
    const expired = c.expired > 0;
    const status = !done ? 'in_progress' : batch.cancelled ? 'cancelled' : expired ? 'expired' : 'completed';
    if (done && !batch.outputFileId) {
      const output: string[] = [];
      const errors: string[] = [];
      for (const customId of batch.customIds) {
        if (host.options.dropLine?.(customId)) continue;
        const o = batch.outcomes.get(customId) as Outcome;
        const line = { id: `batch_req_${customId}`, custom_id: customId };
        if (o.kind === 'succeeded')
          output.push(JSON.stringify({ ...line, response: { status_code: 200, request_id: `req_${customId}`, body: o.body }, error: null }));
        else if (o.kind === 'errored')
          errors.push(JSON.stringify({ ...line, response: { status_code: o.status, request_id: `req_${customId}`, body: o.body }, error: null }));
        else if (o.kind === 'expired') {
          errors.push(
            JSON.stringify({
              ...line,
              response: null,
              error: { code: 'batch_expired', message: 'This request could not be executed before the completion window expired.' },
            }),
          );
        }
        // canceled: OpenAI writes no line for a request it never ran.
      }
      if (output.length > 0) {
        batch.outputFileId = newId('file-out');
        files.set(batch.outputFileId, { purpose: 'batch_output', content: `${output.join('\n')}\n` });
      }
      if (errors.length > 0) {
        batch.errorFileId = newId('file-err');
        files.set(batch.errorFileId, { purpose: 'batch_output', content: `${errors.join('\n')}\n` });
      }
    }
    return {
      id: batch.id,
      object: 'batch',
      endpoint: '/v1/chat/completions',
      errors: null,
      input_file_id: batch.inputFileId,
      completion_window: '24h',
      status,
      output_file_id: done ? (batch.outputFileId ?? null) : null,
      error_file_id: done ? (batch.errorFileId ?? null) : null,
      created_at: batch.createdAt,
      in_progress_at: batch.createdAt,
      expires_at: batch.createdAt + 86_400,
      completed_at: done && status === 'completed' ? batch.createdAt + batch.polls : null,
      request_counts: { total: c.total, completed: c.ok, failed: c.errored + c.expired },
      metadata: null,
    };
  }

  function anthropicBatch(batch: StoredBatch): unknown {
    const c = counts(batch);
    const done = ended(batch);
    const created = new Date(batch.createdAt * 1000).toISOString();
    return {
      id: batch.id,
      type: 'message_batch',
      processing_status: done ? 'ended' : 'in_progress',
      request_counts: {
        processing: done ? 0 : c.total - c.ok - c.errored,
        succeeded: c.ok,
        errored: c.errored,
        canceled: c.canceled,
        expired: c.expired,
      },
      ended_at: done ? new Date((batch.createdAt + batch.polls) * 1000).toISOString() : null,
      created_at: created,
      expires_at: new Date((batch.createdAt + 86_400) * 1000).toISOString(),
      archived_at: null,
      cancel_initiated_at: batch.cancelled ? created : null,
      results_url: done ? `${host.url}/v1/messages/batches/${batch.id}/results` : null,
    };
  }

  function anthropicResults(batch: StoredBatch): string {
    const lines: string[] = [];
    for (const customId of batch.customIds) {
      if (host.options.dropLine?.(customId)) continue;
      const o = batch.outcomes.get(customId) as Outcome;
      const result =
        o.kind === 'succeeded'
          ? { type: 'succeeded', message: o.body }
          : o.kind === 'errored'
            ? { type: 'errored', error: o.body }
            : { type: o.kind === 'expired' ? 'expired' : 'canceled' };
      lines.push(JSON.stringify({ custom_id: customId, result }));
    }
    return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
  }

  async function handle(req: IncomingMessage, res: ServerResponse, raw: string): Promise<boolean> {
    const path = req.url?.split('?')[0] ?? '';
    const method = req.method ?? 'GET';
    const fileContent = /^\/v1\/files\/([^/]+)\/content$/.exec(path);
    const openaiBatchPath = /^\/v1\/batches\/([^/]+)(\/cancel)?$/.exec(path);
    const anthropicBatchPath = /^\/v1\/messages\/batches\/([^/]+)(\/cancel|\/results)?$/.exec(path);

    // OpenAI: files
    if (method === 'POST' && path === '/v1/files') {
      const form = parseMultipart(req.headers['content-type'], raw);
      if (form?.purpose !== 'batch' || form.file === undefined) {
        sendJson(res, 400, { error: { message: 'fake provider: expected multipart/form-data with purpose=batch and a file', type: 'invalid_request_error' } });
        return true;
      }
      const id = newId('file-in');
      files.set(id, { purpose: 'batch', content: form.file.content });
      sendJson(res, 200, {
        id,
        object: 'file',
        bytes: Buffer.byteLength(form.file.content),
        created_at: Math.floor(Date.now() / 1000),
        filename: form.file.filename,
        purpose: 'batch',
        status: 'processed',
      });
      return true;
    }
    if (method === 'GET' && fileContent) {
      const match = fileContent;
      const file = files.get(match[1] as string);
      if (!file) sendJson(res, 404, { error: { message: `No such File object: ${match[1]}`, type: 'invalid_request_error' } });
      else {
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': Buffer.byteLength(file.content) });
        res.end(file.content);
      }
      return true;
    }
    // OpenAI: batches
    if (method === 'POST' && path === '/v1/batches') {
      if (++creates <= (host.options.createRateLimited ?? 0)) {
        sendJson(
          res,
          429,
          { error: { message: 'Rate limit reached for batch creation', type: 'rate_limit_error', code: 'rate_limit_exceeded' } },
          { 'retry-after': '1' },
        );
        return true;
      }
      const body = JSON.parse(raw) as { input_file_id?: string; endpoint?: string; completion_window?: string };
      const file = body.input_file_id ? files.get(body.input_file_id) : undefined;
      if (!file || body.endpoint !== '/v1/chat/completions' || body.completion_window !== '24h') {
        sendJson(res, 400, {
          error: {
            message: 'fake provider: a batch needs an uploaded input_file_id, endpoint /v1/chat/completions and completion_window 24h',
            type: 'invalid_request_error',
          },
        });
        return true;
      }
      const items: { customId: string; body: Record<string, unknown> }[] = [];
      for (const line of file.content.split('\n')) {
        if (line.trim() === '') continue;
        const parsed = JSON.parse(line) as { custom_id: string; method: string; url: string; body: Record<string, unknown> };
        if (parsed.method !== 'POST' || parsed.url !== '/v1/chat/completions') {
          sendJson(res, 400, { error: { message: `fake provider: line ${parsed.custom_id} is not POST /v1/chat/completions`, type: 'invalid_request_error' } });
          return true;
        }
        items.push({ customId: parsed.custom_id, body: parsed.body });
      }
      const batch = await build('openai', newId('batch_'), items);
      batch.inputFileId = body.input_file_id as string;
      sendJson(res, 200, openaiBatch(batch));
      return true;
    }
    if (openaiBatchPath) {
      const match = openaiBatchPath;
      const batch = batches.get(match[1] as string);
      if (batch?.api !== 'openai') {
        sendJson(res, 404, { error: { message: `No batch found with id '${match[1]}'.`, type: 'invalid_request_error' } });
        return true;
      }
      if (match[2] && method === 'POST') {
        batch.cancelled = true;
        cancelRemaining(batch);
      } else batch.polls++;
      sendJson(res, 200, openaiBatch(batch));
      return true;
    }
    // Anthropic: message batches
    if (method === 'POST' && path === '/v1/messages/batches') {
      if (++creates <= (host.options.createRateLimited ?? 0)) {
        sendJson(res, 429, { type: 'error', error: { type: 'rate_limit_error', message: 'Rate limited' } }, { 'retry-after': '1' });
        return true;
      }
      const body = JSON.parse(raw) as { requests?: { custom_id: string; params: Record<string, unknown> }[] };
      if (!Array.isArray(body.requests) || body.requests.length === 0) {
        sendJson(res, 400, { type: 'error', error: { type: 'invalid_request_error', message: 'requests: at least one request is required' } });
        return true;
      }
      const batch = await build(
        'anthropic',
        newId('msgbatch_'),
        body.requests.map((r) => ({ customId: r.custom_id, body: r.params })),
      );
      sendJson(res, 200, anthropicBatch(batch));
      return true;
    }
    if (anthropicBatchPath) {
      const match = anthropicBatchPath;
      const batch = batches.get(match[1] as string);
      if (batch?.api !== 'anthropic') {
        sendJson(res, 404, { type: 'error', error: { type: 'not_found_error', message: `message batch ${match[1]} not found` } });
        return true;
      }
      if (match[2] === '/results') {
        if (!ended(batch)) sendJson(res, 400, { type: 'error', error: { type: 'invalid_request_error', message: 'the batch has not ended' } });
        else {
          const text = anthropicResults(batch);
          res.writeHead(200, { 'content-type': 'application/binary', 'content-length': Buffer.byteLength(text) });
          res.end(text);
        }
        return true;
      }
      if (match[2] === '/cancel' && method === 'POST') {
        batch.cancelled = true;
        cancelRemaining(batch);
      } else batch.polls++;
      sendJson(res, 200, anthropicBatch(batch));
      return true;
    }
    return false;
  }

  /** A cancel asked while in progress: what the fake had not yet "run" (by its reported share) ends canceled, and the batch ends. */
  function cancelRemaining(batch: StoredBatch): void {
    if (ended(batch)) return;
    const kept = Math.floor(batch.customIds.length * (batch.polls / (polls() + 1)));
    batch.customIds.forEach((customId, index) => {
      if (index >= kept) batch.outcomes.set(customId, { kind: 'canceled' });
    });
    batch.polls = polls() + 1;
  }

  return { batches: list, createCalls: () => creates, handle };
}

/** The reply of a live route, as a batch line: errors keep their status and error body; connection faults become a 500. */
export function batchOutcomeOf(reply: FakeReply): 'answer' | 'connectionFault' {
  return 'fault' in reply && (reply.fault === 'reset' || reply.fault === 'hang' || reply.fault === 'truncatedBody' || reply.fault === 'html200')
    ? 'connectionFault'
    : 'answer';
}

/** Just enough of multipart/form-data for the SDK's file upload: text fields and one file, as text. */
function parseMultipart(contentType: string | undefined, raw: string): { purpose?: string; file?: { filename: string; content: string } } | undefined {
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/.exec(contentType ?? '');
  if (!boundary) return undefined;
  const delimiter = `--${boundary[1] ?? boundary[2]}`;
  const form: { purpose?: string; file?: { filename: string; content: string } } = {};
  for (const part of raw.split(delimiter)) {
    const split = part.indexOf('\r\n\r\n');
    if (split < 0) continue;
    const head = part.slice(0, split);
    const content = part.slice(split + 4).replace(/\r\n$/, '');
    const name = /name="([^"]*)"/.exec(head)?.[1];
    const filename = /filename="([^"]*)"/.exec(head)?.[1];
    if (name === 'purpose') form.purpose = content;
    if (name === 'file') form.file = { filename: filename ?? 'file', content };
  }
  return form;
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

export type { FakeRequest };
