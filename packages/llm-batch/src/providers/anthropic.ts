import type Anthropic from '@anthropic-ai/sdk';
import type { ClientOptions } from '@anthropic-ai/sdk';
import { anthropicBatchApi } from '../batch/anthropic-batch-api.js';
import type { LlmProvider, ProviderCall, ProviderOutput, ProviderResponse, SendContext } from '../provider.js';
import { createRedactor } from '../redact.js';
import { imageTarget, toBase64 } from './encode.js';
import { lazy, sdkFetchOption } from './lazy.js';
import { imageSlot, preparedJson, quotedBase64 } from './prepared-body.js';
import { notJsonBody, toApiCallError } from './sdk-errors.js';

/** The `@anthropic-ai/sdk` module, imported on the first request of any adapter (see `lazy`). */
const loadSdk = lazy(() => import('@anthropic-ai/sdk'));

export interface AnthropicSettings {
  /** Your Anthropic API key; never logged, and removed from any error text. Environment variables are not read. */
  apiKey: string;
  /** @default 'https://api.anthropic.com' */
  baseURL?: string;
  /**
   * The environment variable `apiKey` came from, named (never read) when the server refuses the key
   * or the credit, so that the message says what to fix.
   * @default 'ANTHROPIC_API_KEY'
   */
  apiKeyVariable?: string;
  /** Extra headers on every request, e.g. an `anthropic-beta` flag. @default {} */
  headers?: Record<string, string>;
  /** Reported as the result's `provider`. @default 'anthropic' */
  name?: string;
  /** `max_tokens` for requests that set no `maxTokens`; the Messages API requires one. @default 4096 */
  maxTokens?: number;
  /**
   * How HTTP requests are made: `'node'` is a lean fetch over node:http keep-alive sockets (about
   * half the CPU per request of the global fetch); `'fetch'` is the global fetch, for setups that
   * need what only it does (e.g. `NODE_USE_ENV_PROXY` proxies).
   * @default 'node'
   */
  transport?: 'node' | 'fetch';
  /** Whether the server has the Message Batches API (`/v1/messages/batches`), used by `LlmBatchClient.submitBatch`. @default true */
  batchApi?: boolean;
}

/**
 * An adapter for the Anthropic Messages API, on the official `@anthropic-ai/sdk`. The structured
 * answer comes through a forced tool call: the response schema becomes the one tool's
 * `input_schema` and `tool_choice: { type: 'tool', name }` makes the model call it. Images are
 * sent as base64 image blocks, before the text of the last user message.
 *
 * @example
 * const provider = anthropic({ apiKey: process.env.ANTHROPIC_API_KEY! });
 */
export function anthropic(settings: AnthropicSettings): LlmProvider {
  if (typeof settings?.apiKey !== 'string' || settings.apiKey === '') {
    throw new TypeError('[llm-batch] [anthropic] Missing required option `apiKey`.');
  }
  const name = settings.name ?? 'anthropic';
  const defaultMaxTokens = settings.maxTokens ?? 4096;
  const redact = createRedactor([settings.apiKey]);
  const options: ClientOptions = {
    apiKey: settings.apiKey,
    ...(settings.baseURL ? { baseURL: settings.baseURL } : {}),
    // The batch client owns retries; the SDK's own would multiply the sends beyond 1 + maxRetries.
    maxRetries: 0,
    defaultHeaders: settings.headers ?? {},
    logLevel: 'off',
  };
  const connect = lazy(async () => {
    const [sdk, transport] = await Promise.all([loadSdk(), sdkFetchOption(settings.transport)]);
    return {
      client: new sdk.default({ ...options, ...transport }),
      classes: {
        APIError: sdk.APIError,
        APIConnectionError: sdk.APIConnectionError,
        APIConnectionTimeoutError: sdk.APIConnectionTimeoutError,
        APIUserAbortError: sdk.APIUserAbortError,
      },
    };
  });

  async function send(call: ProviderCall, context: SendContext): Promise<ProviderResponse> {
    const { client, classes } = await connect();
    let message: Anthropic.Messages.Message | string | null;
    try {
      // Prepared JSON bytes (each image's base64 serialised once per image, see prepared-body.ts) through
      // the SDK's own `post`, with the headers, auth, timeout and errors of `messages.create`; what
      // `create` adds beyond that (deprecation warnings for old models, a tracing span when OpenTelemetry
      // is set up) does not apply to these requests.
      const images = call.images.map((image) => quotedBase64(image.data));
      message = await client.post<Anthropic.Messages.Message | string | null>('/v1/messages', {
        body: preparedJson(
          toBody(call, defaultMaxTokens, (_, index) => imageSlot(index)),
          images,
        ),
        signal: context.signal,
        timeout: context.timeoutMs,
        maxRetries: 0,
        headers: { 'content-type': 'application/json', 'x-bookpipe-request-id': call.id },
      });
    } catch (error) {
      throw toApiCallError(error, classes, { provider: name, redact, timeoutMs: context.timeoutMs, now: context.now });
    }
    return fromMessage(message, call.responseSchema.name);
  }

  return {
    name,
    send,
    redact,
    baseURL: settings.baseURL ?? 'https://api.anthropic.com',
    apiKeyVariable: settings.apiKeyVariable ?? 'ANTHROPIC_API_KEY',
    defaultMaxTokens,
    ...(settings.batchApi === false
      ? {}
      : {
          batch: anthropicBatchApi({
            connect,
            name,
            redact,
            toBody: (call) => toBody(call, defaultMaxTokens, (image) => toBase64(image.data)),
            fromMessage: (message, call) => fromMessage(message, call.toolName),
          }),
        }),
  };
}

/**
 * The Messages API body of a call; `imageData` gives each image block's base64 `data` (the base64
 * itself for a batch request, a placeholder filled by `preparedJson` for a live send).
 */
function toBody(
  call: ProviderCall,
  defaultMaxTokens: number,
  imageData: (image: ProviderCall['images'][number], index: number) => string,
): Anthropic.Messages.MessageCreateParamsNonStreaming {
  const target = imageTarget(call.messages);
  const imageBlocks: Anthropic.Messages.ImageBlockParam[] = call.images.map((image, index) => ({
    type: 'image',
    source: { type: 'base64', media_type: image.mediaType, data: imageData(image, index) },
  }));
  // The Messages API takes system prompts apart from the turns.
  const system = call.messages
    .filter((m) => m.role === 'system')
    .map((m) => m.content)
    .join('\n\n');
  const messages: Anthropic.Messages.MessageParam[] = [];
  call.messages.forEach((message, index) => {
    if (message.role === 'system') return;
    if (index === target && imageBlocks.length > 0) {
      messages.push({ role: 'user', content: [...imageBlocks, { type: 'text', text: message.content }] });
    } else messages.push({ role: message.role, content: message.content });
  });
  if (target === -1 && imageBlocks.length > 0) messages.push({ role: 'user', content: imageBlocks });
  const { name, description, schema } = call.responseSchema;
  return {
    model: call.model,
    max_tokens: call.maxTokens ?? defaultMaxTokens,
    ...(system ? { system } : {}),
    messages,
    tools: [
      {
        name,
        description: description ?? `Record the answer as ${name}.`,
        input_schema: schema as Anthropic.Messages.Tool.InputSchema,
      },
    ],
    tool_choice: { type: 'tool', name, disable_parallel_tool_use: true },
    ...(call.temperature === undefined ? {} : { temperature: call.temperature }),
  };
}

function fromMessage(message: Anthropic.Messages.Message | string | null, toolName: string): ProviderResponse {
  if (typeof message !== 'object' || message === null) return { output: notJsonBody(message), usage: null };
  if (!Array.isArray(message.content)) {
    return { output: { missing: 'the 200 answer is JSON but not a message (no `content`)', code: 'not_json_body' }, usage: null };
  }
  const content = message.content;
  const tool = content.find((block) => block.type === 'tool_use' && block.name === toolName);
  let output: ProviderOutput;
  if (tool && tool.type === 'tool_use') output = { value: tool.input };
  else {
    // No tool call (a refusal, or max_tokens hit first): some models still answer with JSON text.
    const text = content.flatMap((block) => (block.type === 'text' ? [block.text] : [])).join('');
    output = text ? { text } : { missing: `no ${toolName} tool call in the answer (stop_reason: ${message.stop_reason})` };
  }
  const usage = message.usage;
  const promptTokens = usage ? usage.input_tokens + (usage.cache_creation_input_tokens ?? 0) + (usage.cache_read_input_tokens ?? 0) : 0;
  const completionTokens = usage?.output_tokens ?? 0;
  return {
    output,
    usage: usage ? { promptTokens, completionTokens, totalTokens: promptTokens + completionTokens } : null,
    ...(message.model ? { model: message.model } : {}),
    ...(message.stop_reason === 'max_tokens' ? { truncated: true } : {}),
  };
}
