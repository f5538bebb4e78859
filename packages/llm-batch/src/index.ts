// The public API of @bookpipe/llm-batch. Everything else in src/ is internal.

export { ApiCallError, type ApiCallErrorOptions } from './api-call-error.js';
export { requireBatchApi } from './batch/collect.js';
export type { BatchHandle, BatchStatusReport, CollectBatchOptions, CollectedBatchSummary, SubmitBatchOptions } from './batch/types.js';
export { LlmBatchClient } from './client.js';
export type { Clock } from './clock.js';
export { type ExtractedJson, extractJson } from './extract-json.js';
export { toStrictJsonSchema } from './json-schema.js';
export { DEFAULT_BATCH_OPTIONS, type LlmBatchClientOptions } from './options.js';
export { BATCH_PRICE_FACTOR, DEFAULT_PRICING, findPrice, type ModelPrice, type PricingTable } from './pricing.js';
export type {
  BatchCallContext,
  LlmProvider,
  ProviderBatchApi,
  ProviderBatchItem,
  ProviderBatchStatus,
  ProviderCall,
  ProviderOutput,
  ProviderResponse,
  SendContext,
} from './provider.js';
export { type AnthropicSettings, anthropic } from './providers/anthropic.js';
export { type OpenAICompatibleSettings, openaiCompatible } from './providers/openai-compatible.js';
export type {
  BatchProgress,
  BatchSummary,
  ClientStop,
  ImageMediaType,
  JsonSchema,
  LlmBatchEvent,
  LlmError,
  LlmErrorCode,
  LlmFailure,
  LlmImage,
  LlmMessage,
  LlmRequest,
  LlmResponseSchema,
  LlmResult,
  LlmSuccess,
  LlmUsage,
  ProcessBatchOptions,
} from './types.js';
