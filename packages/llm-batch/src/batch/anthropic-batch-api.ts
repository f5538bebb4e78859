import type Anthropic from '@anthropic-ai/sdk';
import { codeForStatus } from '../api-call-error.js';
import type { BatchCallContext, ProviderBatchApi, ProviderBatchItem, ProviderCall, ProviderResponse } from '../provider.js';
import { type SdkErrorClasses, toApiCallError } from '../providers/sdk-errors.js';

export interface AnthropicBatchParts {
  /** The adapter's SDK client and its error classes, made on first use (the SDK is imported lazily). */
  connect: () => Promise<{ client: Anthropic; classes: SdkErrorClasses }>;
  name: string;
  redact: (text: string) => string;
  /** The live adapter's request body: a batch request's `params` are exactly what a live send would post. */
  toBody: (call: ProviderCall) => Anthropic.Messages.MessageCreateParamsNonStreaming;
  /** The live adapter's reading of a message, for the call's tool name. */
  fromMessage: (message: Anthropic.Messages.Message, call: { toolName: string }) => ProviderResponse;
}

/**
 * Anthropic's Message Batches API on the official SDK: `messages.batches.create` with one
 * `{ custom_id, params }` per call, `retrieve` until `processing_status: ended`, then the results JSONL.
 */
export function anthropicBatchApi(parts: AnthropicBatchParts): ProviderBatchApi {
  const { name, redact } = parts;
  const wrap = async <T>(context: BatchCallContext, what: (client: Anthropic) => Promise<T>): Promise<T> => {
    const { client, classes } = await parts.connect();
    try {
      return await what(client);
    } catch (error) {
      throw toApiCallError(error, classes, { provider: name, redact, timeoutMs: context.timeoutMs, now: context.now });
    }
  };
  const options = (context: BatchCallContext) => ({ timeout: context.timeoutMs, maxRetries: 0, ...(context.signal ? { signal: context.signal } : {}) });
  // The tool name of each custom id, to read its answer: kept from submit, else taken from the answer itself.
  const toolNames = new Map<string, string>();

  return {
    async submit(calls, context) {
      const requests = calls.map((call) => {
        toolNames.set(call.id, call.responseSchema.name);
        return { custom_id: call.id, params: parts.toBody(call) };
      });
      const batch = await wrap(context, (client) => client.messages.batches.create({ requests }, options(context)));
      return batch.id;
    },
    async status(batchId, context) {
      const batch = await wrap(context, (client) => client.messages.batches.retrieve(batchId, {}, options(context)));
      const c = batch.request_counts;
      return {
        state: batch.processing_status === 'ended' ? 'ended' : 'in_progress',
        providerStatus: batch.processing_status,
        total: c.processing + c.succeeded + c.errored + c.canceled + c.expired,
        succeeded: c.succeeded,
        failed: c.errored + c.canceled + c.expired,
      };
    },
    async results(batchId, context) {
      const items = new Map<string, ProviderBatchItem>();
      await wrap(context, async (client) => {
        for await (const line of await client.messages.batches.results(batchId, {}, options(context))) {
          items.set(line.custom_id, toItem(line, parts, toolNames.get(line.custom_id)));
        }
      });
      return items;
    },
    async cancel(batchId, context) {
      await wrap(context, (client) => client.messages.batches.cancel(batchId, {}, options(context)));
    },
  };
}

function toItem(line: Anthropic.Messages.MessageBatchIndividualResponse, parts: AnthropicBatchParts, toolName: string | undefined): ProviderBatchItem {
  const result = line.result;
  switch (result.type) {
    case 'succeeded': {
      // After a restart the tool name is not in memory: the answer's own tool call names it.
      const name = toolName ?? result.message.content.find((block) => block.type === 'tool_use')?.name ?? 'answer';
      return { ok: true, response: parts.fromMessage(result.message, { toolName: name }) };
    }
    case 'errored': {
      const error = result.error.error as { type?: string; message?: string };
      const status = statusOf(error.type);
      return {
        ok: false,
        code: codeForStatus(status),
        status,
        reason: parts.redact(`${parts.name} batch: ${error.type ?? 'error'}: ${error.message ?? 'no message'}`),
      };
    }
    case 'expired':
      return { ok: false, code: 'timeout', reason: `${parts.name} batch: expired before it ran` };
    default:
      return { ok: false, code: 'server_error', reason: `${parts.name} batch: canceled before it ran` };
  }
}

/** The HTTP status an Anthropic error type stands for, as its live API sends it. */
function statusOf(type: string | undefined): number {
  switch (type) {
    case 'invalid_request_error':
      return 400;
    case 'authentication_error':
      return 401;
    case 'billing_error':
      return 402;
    case 'permission_error':
      return 403;
    case 'not_found_error':
      return 404;
    case 'rate_limit_error':
      return 429;
    case 'overloaded_error':
      return 529;
    default:
      return 500;
  }
}
