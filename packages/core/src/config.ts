import { z } from 'zod';
import { BookpipeError, ErrorCode } from './errors.js';

const int = (min: number) => z.coerce.number().int().min(min);
const optionalString = z
  .string()
  .transform((s) => s.trim())
  .transform((s) => (s === '' ? undefined : s))
  .optional();

/**
 * Each environment variable bookpipe reads, with its schema. Unset variables that have no default stay
 * `undefined`, so the package that owns the behaviour (say, `@bookpipe/llm-batch` for retry counts)
 * applies its own documented default: a default lives in exactly one place.
 */
const EnvSchema = z.object({
  /** Folder that holds one sub-folder per scan. @default "./scans" (relative to the working directory) */
  BOOKPIPE_ROOT: z.string().min(1).default('scans'),
  /** Minimum level written by the logger. @default "info" */
  BOOKPIPE_LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
  /** OCR worker threads. Default: `os.availableParallelism()`, decided by the OCR stage. */
  BOOKPIPE_OCR_WORKERS: int(1).optional(),
  /**
   * OCR language(s), tesseract codes joined by "+" ("deu+lat"), each from the npm package
   * `@tesseract.js-data/<code>`. Default: guessed from the first pages by the OCR stage.
   */
  BOOKPIPE_OCR_LANG: z
    .string()
    .regex(/^[a-z][a-z0-9_]*(\+[a-z][a-z0-9_]*)*$/, 'tesseract language codes joined by "+", such as "deu" or "deu+lat"')
    .optional(),
  /** LLM provider: openai, anthropic, openrouter or ollama. Default: inferred from which API key is set. */
  BOOKPIPE_PROVIDER: z.enum(['openai', 'anthropic', 'openrouter', 'ollama']).optional(),
  /** Model name sent to the provider. */
  BOOKPIPE_MODEL: optionalString,
  /** Base URL of an OpenAI-compatible server (vLLM, LM Studio, Ollama, a proxy). */
  BOOKPIPE_BASE_URL: z.url().optional(),
  /** Concurrent LLM requests (default 30, decided by @bookpipe/llm-batch). */
  BOOKPIPE_LLM_MAX_WORKERS: int(1).optional(),
  /** LLM requests started per minute (default 150). */
  BOOKPIPE_LLM_REQUESTS_PER_MINUTE: int(1).optional(),
  /** Retries after a failed LLM attempt (default 3). */
  BOOKPIPE_LLM_MAX_RETRIES: int(0).optional(),
  /** Jitter ratio 0..1 applied to retry backoff (default 0.25). */
  BOOKPIPE_LLM_RETRY_JITTER: z.coerce.number().min(0).max(1).optional(),
  /** Timeout of one LLM attempt in milliseconds (default 120000). */
  BOOKPIPE_LLM_TIMEOUT_MS: int(1).optional(),
  OPENAI_API_KEY: optionalString,
  ANTHROPIC_API_KEY: optionalString,
  OPENROUTER_API_KEY: optionalString,
});

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type ProviderName = 'openai' | 'anthropic' | 'openrouter' | 'ollama';

export interface Config {
  /** Absolute or cwd-relative storage root. */
  root: string;
  logLevel: LogLevel;
  ocr: {
    maxWorkers?: number;
    /** OCR language(s), "+"-separated tesseract codes (BOOKPIPE_OCR_LANG); unset: guessed by the OCR stage. */
    languages?: string;
  };
  llm: {
    provider?: ProviderName;
    model?: string;
    baseURL?: string;
    maxWorkers?: number;
    requestsPerMinute?: number;
    maxRetries?: number;
    retryJitter?: number;
    timeoutMs?: number;
    /** API keys by provider. Never logged: see {@link configSecrets}. */
    apiKeys: Partial<Record<'openai' | 'anthropic' | 'openrouter', string>>;
  };
}

/**
 * Reads and validates bookpipe's configuration from the environment.
 * @throws BookpipeError CONFIG_INVALID naming every variable that is wrong and why.
 * @example const config = loadConfig(); // reads process.env
 */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const known = Object.fromEntries(Object.keys(EnvSchema.shape).map((k) => [k, env[k]]));
  const parsed = EnvSchema.safeParse(known);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const name = String(issue.path[0]);
      // Echo the value back, except for secrets.
      const value = name.endsWith('_API_KEY') ? '<redacted>' : JSON.stringify(env[name]);
      return `${name}=${value}: ${issue.message}`;
    });
    throw new BookpipeError(ErrorCode.CONFIG_INVALID, `Invalid bookpipe configuration: ${problems.join('; ')}. Fix or unset these environment variables.`, {
      details: { variables: parsed.error.issues.map((i) => String(i.path[0])) },
    });
  }
  const e = parsed.data;
  const apiKeys: Config['llm']['apiKeys'] = {};
  if (e.OPENAI_API_KEY) apiKeys.openai = e.OPENAI_API_KEY;
  if (e.ANTHROPIC_API_KEY) apiKeys.anthropic = e.ANTHROPIC_API_KEY;
  if (e.OPENROUTER_API_KEY) apiKeys.openrouter = e.OPENROUTER_API_KEY;
  return {
    root: e.BOOKPIPE_ROOT,
    logLevel: e.BOOKPIPE_LOG_LEVEL,
    ocr: stripUndefined({ maxWorkers: e.BOOKPIPE_OCR_WORKERS, languages: e.BOOKPIPE_OCR_LANG }),
    llm: {
      ...stripUndefined({
        provider: e.BOOKPIPE_PROVIDER,
        model: e.BOOKPIPE_MODEL,
        baseURL: e.BOOKPIPE_BASE_URL,
        maxWorkers: e.BOOKPIPE_LLM_MAX_WORKERS,
        requestsPerMinute: e.BOOKPIPE_LLM_REQUESTS_PER_MINUTE,
        maxRetries: e.BOOKPIPE_LLM_MAX_RETRIES,
        retryJitter: e.BOOKPIPE_LLM_RETRY_JITTER,
        timeoutMs: e.BOOKPIPE_LLM_TIMEOUT_MS,
      }),
      apiKeys,
    },
  };
}

/** Every secret value in the config, for redaction in logs, errors and reports. */
export function configSecrets(config: Config): string[] {
  return Object.values(config.llm.apiKeys).filter((k): k is string => typeof k === 'string' && k.length > 0);
}

/** True when some LLM provider can be reached: an API key or a base URL of a local server. */
export function hasLlm(config: Config): boolean {
  return configSecrets(config).length > 0 || config.llm.baseURL !== undefined;
}

function stripUndefined<T extends Record<string, unknown>>(o: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as never;
}
