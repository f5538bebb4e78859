import type OpenAI from 'openai';
import type { ClientOptions } from 'openai';
import { openaiBatchApi } from '../batch/openai-batch-api.js';
import type { LlmProvider, ProviderCall, ProviderOutput, ProviderResponse, SendContext } from '../provider.js';
import { createRedactor } from '../redact.js';
import type { ImageMediaType, LlmUsage } from '../types.js';
import { imageTarget, toBase64 } from './encode.js';
import { lazy, sdkFetchOption } from './lazy.js';
import { imageSlot, preparedJson, quotedBase64 } from './prepared-body.js';
import { notJsonBody, type SdkErrorClasses, toApiCallError } from './sdk-errors.js';

/** The `openai` module, imported on the first request of any adapter (see `lazy`). */
const loadSdk = lazy(() => import('openai'));

function errorClasses(sdk: typeof import('openai')): SdkErrorClasses {
  return {
    APIError: sdk.APIError,
    APIConnectionError: sdk.APIConnectionError,
    APIConnectionTimeoutError: sdk.APIConnectionTimeoutError,
    APIUserAbortError: sdk.APIUserAbortError,
  };
}

export interface OpenAICompatibleSettings {
  /**
   * The API's base URL, up to and including `/v1`: OpenRouter `https://openrouter.ai/api/v1`,
   * Ollama `http://localhost:11434/v1`, vLLM and LM Studio likewise.
   * @default 'https://api.openai.com/v1'
   */
  baseURL?: string;
  /**
   * Sent as `Authorization: Bearer <apiKey>`; never logged, and removed from any error text.
   * Local servers (Ollama, LM Studio) ignore it: it may be omitted for them.
   * @default a placeholder, since the SDK refuses to start without a key (environment variables are not read)
   */
  apiKey?: string;
  /**
   * The environment variable `apiKey` came from, named (never read) when the server refuses the key
   * or the quota, so that the message says what to fix, e.g. `OPENROUTER_API_KEY`.
   * @default undefined (the message then says "the API key")
   */
  apiKeyVariable?: string;
  /** Extra headers on every request, e.g. OpenRouter's `HTTP-Referer` and `X-Title`. @default {} */
  headers?: Record<string, string>;
  /**
   * Reported as the result's `provider`.
   * @default 'openrouter' for an openrouter.ai URL, 'openai' for api.openai.com, else 'openai-compatible'
   */
  name?: string;
  /** `detail` of every image part; unset lets the provider choose. @default undefined */
  imageDetail?: 'auto' | 'low' | 'high';
  /**
   * How HTTP requests are made: `'node'` is a lean fetch over node:http keep-alive sockets (about
   * half the CPU per request of the global fetch); `'fetch'` is the global fetch, for setups that
   * need what only it does (e.g. `NODE_USE_ENV_PROXY` proxies).
   * @default 'node'
   */
  transport?: 'node' | 'fetch';
  /**
   * Whether the server has OpenAI's Batch API (`/v1/files` + `/v1/batches`), used by
   * `LlmBatchClient.submitBatch`. OpenRouter and local servers (Ollama, vLLM, LM Studio) have none.
   * @default true for api.openai.com, else false
   */
  batchApi?: boolean;
}

const DEFAULT_BASE_URL = 'https://api.openai.com/v1';

function defaultName(baseURL: string): string {
  if (/openrouter\.ai/i.test(baseURL)) return 'openrouter';
  if (/api\.openai\.com/i.test(baseURL)) return 'openai';
  return 'openai-compatible';
}

/**
 * An adapter for any OpenAI chat-completions API, on the official `openai` SDK. The answer is
 * requested with `response_format: { type: 'json_schema', json_schema: { name, schema, strict: true } }`
 * and images are sent as base64 `data:` URLs.
 *
 * @example
 * const provider = openaiCompatible({ baseURL: 'https://openrouter.ai/api/v1', apiKey: process.env.OPENROUTER_API_KEY });
 */
export function openaiCompatible(settings: OpenAICompatibleSettings = {}): LlmProvider {
  const baseURL = settings.baseURL ?? DEFAULT_BASE_URL;
  const name = settings.name ?? defaultName(baseURL);
  const redact = createRedactor([settings.apiKey]);
  const options: ClientOptions = {
    baseURL,
    apiKey: settings.apiKey ?? 'no-key',
    // The batch client owns retries (with jitter, Retry-After and a shared rate budget): the
    // SDK's own would multiply the sends beyond 1 + maxRetries.
    maxRetries: 0,
    defaultHeaders: settings.headers ?? {},
    // The SDK logs retries and warnings on its own; our events and log cover them.
    logLevel: 'off',
  };
  const connect = lazy(async () => {
    const [sdk, transport] = await Promise.all([loadSdk(), sdkFetchOption(settings.transport)]);
    return { client: new sdk.default({ ...options, ...transport }), classes: errorClasses(sdk) };
  });

  async function send(call: ProviderCall, context: SendContext): Promise<ProviderResponse> {
    const { client, classes } = await connect();
    let completion: OpenAI.Chat.Completions.ChatCompletion | string | null;
    try {
      // The body goes as prepared JSON bytes (each image's data URL serialised once per image, see
      // prepared-body.ts) through the SDK's own `post`: the same path, headers, auth and error
      // handling as `chat.completions.create`, which would re-serialise the images on every send.
      const images = call.images.map((image) => quotedBase64(image.data, dataUrlPrefix(image.mediaType)));
      completion = await client.post<OpenAI.Chat.Completions.ChatCompletion | string | null>('/chat/completions', {
        body: preparedJson(
          toBody(call, settings.imageDetail, (_, index) => imageSlot(index)),
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
    return fromCompletion(completion);
  }

  const batchApi = settings.batchApi ?? /api\.openai\.com/i.test(baseURL);
  return {
    name,
    send,
    redact,
    baseURL,
    ...(settings.apiKeyVariable ? { apiKeyVariable: settings.apiKeyVariable } : {}),
    ...(batchApi
      ? {
          batch: openaiBatchApi({
            // A handful of calls per batch, one a multipart upload: the global fetch, which speaks FormData.
            connect: lazy(async () => {
              const sdk = await loadSdk();
              return { client: new sdk.default(options), classes: errorClasses(sdk), toFile: sdk.toFile };
            }),
            name,
            redact,
            toBody: (call) => toBody(call, settings.imageDetail, (image) => `${dataUrlPrefix(image.mediaType)}${toBase64(image.data)}`),
            fromCompletion,
          }),
        }
      : {}),
  };
}

function dataUrlPrefix(mediaType: ImageMediaType): string {
  return `data:${mediaType};base64,`;
}

/**
 * The chat-completions body of a call; `imageUrl` gives each image part's `url` (the data URL itself
 * for a batch file line, a placeholder filled by `preparedJson` for a live send).
 */
function toBody(
  call: ProviderCall,
  detail: OpenAICompatibleSettings['imageDetail'],
  imageUrl: (image: ProviderCall['images'][number], index: number) => string,
): OpenAI.Chat.Completions.ChatCompletionCreateParamsNonStreaming {
  const target = imageTarget(call.messages);
  const imageParts = call.images.map((image, index) => ({
    type: 'image_url' as const,
    image_url: { url: imageUrl(image, index), ...(detail ? { detail } : {}) },
  }));
  const messages: OpenAI.Chat.Completions.ChatCompletionMessageParam[] = call.messages.map((message, index) => {
    if (message.role === 'user' && index === target && imageParts.length > 0) {
      return { role: 'user', content: [{ type: 'text', text: message.content }, ...imageParts] };
    }
    return { role: message.role, content: message.content };
  });
  if (target === -1 && imageParts.length > 0) messages.push({ role: 'user', content: imageParts });
  const { name, description, schema } = call.responseSchema;
  return {
    model: call.model,
    messages,
    response_format: {
      type: 'json_schema',
      json_schema: { name, schema, strict: true, ...(description ? { description } : {}) },
    },
    ...(call.maxTokens === undefined ? {} : { max_completion_tokens: call.maxTokens }),
    ...(call.temperature === undefined ? {} : { temperature: call.temperature }),
  };
}

function fromCompletion(completion: OpenAI.Chat.Completions.ChatCompletion | string | null): ProviderResponse {
  // The SDK hands back the body as text when it is not JSON (an HTML page behind a wrong base URL,
  // a proxy's error page sent as 200): it is no chat completion, and says nothing of choices.
  if (typeof completion !== 'object' || completion === null) return { output: notJsonBody(completion), usage: null };
  const choice = completion.choices?.[0];
  let output: ProviderOutput;
  if (!Array.isArray(completion.choices)) output = { missing: 'the 200 answer is JSON but not a chat completion (no `choices`)', code: 'not_json_body' };
  else if (!choice) output = { missing: 'no choices in the response' };
  else if (choice.message?.refusal) output = { missing: `model refused: ${choice.message.refusal}`, code: 'refusal' };
  else if (typeof choice.message?.content !== 'string' || choice.message.content === '') {
    output = { missing: `empty answer (finish_reason: ${choice.finish_reason})` };
  } else output = { text: choice.message.content };
  // OpenRouter adds the charged amount to usage; the SDK passes unknown fields through.
  const raw = completion.usage as (OpenAI.CompletionUsage & { cost?: unknown }) | undefined;
  const usage: LlmUsage | null = raw
    ? {
        promptTokens: raw.prompt_tokens ?? 0,
        completionTokens: raw.completion_tokens ?? 0,
        totalTokens: raw.total_tokens ?? (raw.prompt_tokens ?? 0) + (raw.completion_tokens ?? 0),
      }
    : null;
  return {
    output,
    usage,
    ...(typeof raw?.cost === 'number' ? { costUsd: raw.cost } : {}),
    ...(completion.model ? { model: completion.model } : {}),
    ...(choice?.finish_reason === 'length' ? { truncated: true } : {}),
  };
}
