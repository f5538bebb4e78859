// Helpers shared by this package's tests. Not exported, not shipped.

import type { LlmProvider } from './provider.js';
import { anthropic } from './providers/anthropic.js';
import { openaiCompatible } from './providers/openai-compatible.js';
import type { LlmRequest, LlmResponseSchema } from './types.js';

export const blocksSchema: LlmResponseSchema = {
  name: 'page_blocks',
  schema: {
    type: 'object',
    properties: {
      blocks: { type: 'array', items: { type: 'string', minLength: 1 }, minItems: 2 },
    },
    required: ['blocks'],
    additionalProperties: false,
  },
};

export function makeRequest(id: string, overrides: Partial<LlmRequest> = {}): LlmRequest {
  return {
    id,
    model: 'gpt-4o-mini',
    messages: [{ role: 'user', content: `Read page ${id}.` }],
    responseSchema: blocksSchema,
    metadata: { page: id },
    ...overrides,
  };
}

/** Both built-in adapters, each built against a fake provider. */
export const adapters: { name: string; create: (fake: { openaiBaseURL: string; anthropicBaseURL: string }, apiKey?: string) => LlmProvider }[] = [
  { name: 'openaiCompatible', create: (fake, apiKey = 'sk-test') => openaiCompatible({ baseURL: fake.openaiBaseURL, apiKey, batchApi: true }) },
  { name: 'anthropic', create: (fake, apiKey = 'sk-ant-test') => anthropic({ baseURL: fake.anthropicBaseURL, apiKey }) },
];

/** Recursively frozen, to prove nothing writes to a request between attempts. */
export function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !(value instanceof Uint8Array)) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
