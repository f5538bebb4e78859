/**
 * How large a page image each provider reads, so that none is sent larger than the model looks at
 * (the extra pixels are paid as upload and encoding time, or billed) or smaller than it could use.
 *
 * - Anthropic: images are scaled down until the long side is at most 1568 px (Claude "vision" docs);
 *   larger ones only add latency.
 * - OpenAI (`detail: high`): the image is fitted into a 2048 × 2048 square, then scaled so that its
 *   short side is at most 768 px; a portrait page of 2480 × 3508 is read at 768 × 1086.
 * - Any other server (OpenRouter, local models): 1024 px on the long side, bookpipe's earlier default.
 */
export type ImageSizeRule = { maxSide: number } | { fitBox: number; maxShortSide: number };

export const IMAGE_SIZE_RULES = {
  anthropic: { maxSide: 1568 },
  openai: { fitBox: 2048, maxShortSide: 768 },
  default: { maxSide: 1024 },
} as const satisfies Record<string, ImageSizeRule>;

/** The rule for a provider by its name (`LlmProvider.name`); `maxSide`, when given, overrides it. */
export function imageSizeRule(providerName: string, maxSide?: number): ImageSizeRule {
  if (maxSide !== undefined) return { maxSide };
  if (providerName === 'anthropic') return IMAGE_SIZE_RULES.anthropic;
  if (providerName === 'openai') return IMAGE_SIZE_RULES.openai;
  return IMAGE_SIZE_RULES.default;
}

/** The size an image of `width` × `height` is sent at under `rule` (never enlarged), in whole pixels. */
export function imageTargetSize(width: number, height: number, rule: ImageSizeRule): { width: number; height: number } {
  const long = Math.max(width, height);
  const short = Math.min(width, height);
  const scale =
    'maxSide' in rule
      ? Math.min(1, rule.maxSide / long)
      : Math.min(1, rule.fitBox / long) * Math.min(1, rule.maxShortSide / (short * Math.min(1, rule.fitBox / long)));
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}
