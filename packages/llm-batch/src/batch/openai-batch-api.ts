import type OpenAI from 'openai';
import type { toFile } from 'openai';
import { codeForStatus } from '../api-call-error.js';
import type { BatchCallContext, ProviderBatchApi, ProviderBatchItem, ProviderBatchStatus, ProviderCall, ProviderResponse } from '../provider.js';
import { type SdkErrorClasses, toApiCallError } from '../providers/sdk-errors.js';

export interface OpenAIBatchParts {
  /** The SDK client for the batch calls, its error classes and `toFile`, made on first use (the SDK is imported lazily). */
  connect: () => Promise<{ client: OpenAI; classes: SdkErrorClasses; toFile: typeof toFile }>;
  name: string;
  redact: (text: string) => string;
  /** The live adapter's request body: a batch line's `body` is exactly what a live send would post. */
  toBody: (call: ProviderCall) => OpenAI.Chat.Completions.ChatCompletionCreateParamsNonStreaming;
  /** The live adapter's reading of a chat completion. */
  fromCompletion: (completion: OpenAI.Chat.Completions.ChatCompletion) => ProviderResponse;
}

/**
 * OpenAI's Batch API on the official SDK: the calls as a JSONL file (`purpose: batch`, one
 * `POST /v1/chat/completions` line per call, `custom_id` = the request id), `batches.create`, then
 * `batches.retrieve` until it ends, and the output and error files read back.
 */
export function openaiBatchApi(parts: OpenAIBatchParts): ProviderBatchApi {
  const { name, redact } = parts;
  const wrap = async <T>(context: BatchCallContext, what: (client: OpenAI, sdk: { toFile: typeof toFile }) => Promise<T>): Promise<T> => {
    const { client, classes, toFile } = await parts.connect();
    try {
      return await what(client, { toFile });
    } catch (error) {
      throw toApiCallError(error, classes, { provider: name, redact, timeoutMs: context.timeoutMs, now: context.now });
    }
  };
  const options = (context: BatchCallContext) => ({ timeout: context.timeoutMs, maxRetries: 0, ...(context.signal ? { signal: context.signal } : {}) });

  return {
    async submit(calls, context) {
      const jsonl = `${calls.map((call) => JSON.stringify({ custom_id: call.id, method: 'POST', url: '/v1/chat/completions', body: parts.toBody(call) })).join('\n')}\n`;
      const file = await wrap(context, async (client, { toFile }) =>
        client.files.create(
          { file: await toFile(Buffer.from(jsonl), 'bookpipe-batch.jsonl', { type: 'application/jsonl' }), purpose: 'batch' },
          options(context),
        ),
      );
      const batch = await wrap(context, (client) =>
        client.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h' }, options(context)),
      );
      return batch.id;
    },
    async status(batchId, context) {
      const batch = await wrap(context, (client) => client.batches.retrieve(batchId, options(context)));
      return toStatus(batch);
    },
    async results(batchId, context) {
      const batch = await wrap(context, (client) => client.batches.retrieve(batchId, options(context)));
      const items = new Map<string, ProviderBatchItem>();
      for (const fileId of [batch.output_file_id, batch.error_file_id]) {
        if (!fileId) continue;
        const text = await wrap(context, async (client) => (await client.files.content(fileId, options(context))).text());
        for (const line of text.split('\n')) {
          if (line.trim() === '') continue;
          const parsed = JSON.parse(line) as OutputLine;
          items.set(parsed.custom_id, toItem(parsed, parts));
        }
      }
      return items;
    },
    async cancel(batchId, context) {
      await wrap(context, (client) => client.batches.cancel(batchId, options(context)));
    },
  };
}

interface OutputLine {
  custom_id: string;
  response: { status_code: number; body: unknown } | null;
  error: { code?: string; message?: string } | null;
}

function toItem(line: OutputLine, parts: OpenAIBatchParts): ProviderBatchItem {
  if (line.response && line.response.status_code === 200) {
    return { ok: true, response: parts.fromCompletion(line.response.body as OpenAI.Chat.Completions.ChatCompletion) };
  }
  if (line.response) {
    const status = line.response.status_code;
    const body = line.response.body as { error?: { message?: string; code?: string } } | null;
    const code = body?.error?.code === 'insufficient_quota' ? 'quota' : codeForStatus(status);
    return { ok: false, code, status, reason: parts.redact(`${parts.name} batch: HTTP ${status}: ${body?.error?.message ?? 'no message'}`) };
  }
  const expired = line.error?.code === 'batch_expired';
  return {
    ok: false,
    code: expired ? 'timeout' : 'server_error',
    reason: parts.redact(
      `${parts.name} batch: ${expired ? 'expired before it ran' : 'failed'} (${line.error?.code ?? 'no code'}: ${line.error?.message ?? 'no message'})`,
    ),
  };
}

function toStatus(batch: OpenAI.Batches.Batch): ProviderBatchStatus {
  const ended = ['completed', 'expired', 'cancelled', 'failed'].includes(batch.status);
  const counts = batch.request_counts;
  return {
    state: ended ? 'ended' : 'in_progress',
    providerStatus: batch.status,
    total: counts?.total ?? 0,
    succeeded: counts?.completed ?? 0,
    failed: counts?.failed ?? 0,
  };
}
