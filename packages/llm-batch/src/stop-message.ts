import type { LlmProvider } from './provider.js';
import type { ClientStop } from './types.js';

export type StopCode = ClientStop['code'];

interface StopContext {
  provider: LlmProvider;
  /** The provider's answer, already redacted. */
  reason: string;
  model: string;
  retryAfterMs: number | undefined;
  retryMaxDelayMs: number;
}

/**
 * The one message a stopped client gives for the whole batch: who refused (provider and server),
 * what it said, which key variable to look at, and what to do. Shown once by the CLI, however many
 * pages were waiting.
 */
export function stopMessage(code: StopCode, context: StopContext): string {
  const { provider, reason, model } = context;
  const server = provider.baseURL ? `${provider.name} at ${provider.baseURL}` : provider.name;
  const key = provider.apiKeyVariable ?? 'the API key';
  const resume = 'Nothing more was sent; the requests without an answer are left not done, and running again resumes them.';
  switch (code) {
    case 'auth':
      return `${server} refused the API key (${reason}). Check ${key}: set, current, and a key for this server. ${resume}`;
    case 'permission':
      return `${server} refused access (${reason}). Check that the key in ${key} may use the model ${model} (or choose another model). ${resume}`;
    case 'quota':
      return `${server} says the quota or credit of the account is exhausted (${reason}). Add credit or raise the limit of the account whose key is in ${key}, then run again. ${resume}`;
    case 'retry_too_long': {
      const wait = context.retryAfterMs === undefined ? 'a long time' : `${Math.ceil(context.retryAfterMs / 1000)} s`;
      return `${server} asked to wait ${wait} (${reason}), longer than the client waits (retryMaxDelayMs, ${context.retryMaxDelayMs} ms). Run again later, or allow a longer wait. ${resume}`;
    }
  }
}
