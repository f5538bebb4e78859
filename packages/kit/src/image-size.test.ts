import { describe, expect, it } from 'vitest';
import { IMAGE_SIZE_RULES, imageSizeRule, imageTargetSize } from './image-size.js';

describe('imageSizeRule and imageTargetSize', () => {
  it('picks the rule by provider; an explicit maxSide wins', () => {
    expect(imageSizeRule('anthropic')).toEqual({ maxSide: 1568 });
    expect(imageSizeRule('openai')).toEqual({ fitBox: 2048, maxShortSide: 768 });
    expect(imageSizeRule('openrouter')).toEqual({ maxSide: 1024 });
    expect(imageSizeRule('openai-compatible')).toEqual({ maxSide: 1024 });
    expect(imageSizeRule('anthropic', 900)).toEqual({ maxSide: 900 });
  });

  it('Anthropic: the long side to 1568 px', () => {
    expect(imageTargetSize(2480, 3508, IMAGE_SIZE_RULES.anthropic)).toEqual({ width: 1109, height: 1568 });
    expect(imageTargetSize(3508, 2480, IMAGE_SIZE_RULES.anthropic)).toEqual({ width: 1568, height: 1109 });
  });

  it('OpenAI: into a 2048 box, then the short side to 768 px', () => {
    expect(imageTargetSize(2480, 3508, IMAGE_SIZE_RULES.openai)).toEqual({ width: 768, height: 1086 });
    // A long strip: the 2048 box decides, the short side is already under 768.
    expect(imageTargetSize(1000, 8000, IMAGE_SIZE_RULES.openai)).toEqual({ width: 256, height: 2048 });
  });

  it('never enlarges', () => {
    expect(imageTargetSize(400, 600, IMAGE_SIZE_RULES.anthropic)).toEqual({ width: 400, height: 600 });
    expect(imageTargetSize(400, 600, IMAGE_SIZE_RULES.openai)).toEqual({ width: 400, height: 600 });
  });
});
