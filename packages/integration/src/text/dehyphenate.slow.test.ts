import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { OcrPage } from '@bookpipe/contracts';
import { buildVocabulary, dehyphenate } from '@bookpipe/text';
import { beforeAll, describe, expect, it } from 'vitest';
import { evalEngine, ocrImages } from '../support/ocr-eval-pages.js';

const repoRoot = path.resolve(import.meta.dirname, '../../../..');
const folder = path.resolve(repoRoot, '../shared/eval/old-books');
const present = existsSync(folder);
if (!present) console.warn(`[stage-correction] ${folder} is absent: skipping the de-hyphenation eval on real pages.`);

/** A word as the truth text would show it: lower case, outer punctuation and the line-end hyphen stripped. */
const wordCoreForEval = (token: string) =>
  token
    .toLowerCase()
    .replace(/[\u2018\u2019]/g, "'")
    .replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu, '');

/** What the truth text shows for a line-end hyphen between two words: joined, hyphenated, or neither (OCR garbled it). */
function truthFor(truth: string, left: string, right: string): 'join' | 'keep' | null {
  const l = wordCoreForEval(left).split('-').at(-1) ?? '';
  const r = wordCoreForEval(right).split('-')[0] ?? '';
  if (!l || !r) return null;
  const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const found = (form: string) => new RegExp(`(^|[^\\p{L}])${escapeRegExp(form)}([^\\p{L}]|$)`, 'u').test(truth);
  const joined = found(l + r);
  const hyphenated = found(`${l}-${r}`);
  return joined === hyphenated ? null : joined ? 'join' : 'keep';
}

describe.skipIf(!present)('dehyphenate on the old-books pages (Gutenberg truth)', () => {
  const pages = new Map<string, OcrPage>();

  beforeAll(async () => {
    const ids = readdirSync(folder)
      .filter((file) => file.endsWith('.tiff'))
      .map((file) => file.replace(/\.tiff$/, ''))
      .sort();
    const read = await ocrImages(ids.map((id, index) => ({ file: path.join(folder, `${id}.tiff`), pageNumber: index + 1 })));
    for (const [index, id] of ids.entries()) pages.set(id, read[index] as OcrPage);
  }, 600_000);

  it('joins broken words and keeps compounds as the truth prints them', () => {
    // One vocabulary per book (the first letter of the page id), as the stage will build it.
    const books = new Map<string, OcrPage[]>();
    for (const [id, page] of pages) books.set(id[0] as string, [...(books.get(id[0] as string) ?? []), page]);
    const counts = { truePositive: 0, falsePositive: 0, falseNegative: 0, trueNegative: 0, trailing: 0, unscored: 0 };
    const wrong: string[] = [];
    for (const [id, page] of pages) {
      const truth = readFileSync(path.join(folder, `${id}.txt`), 'utf8')
        .toLowerCase()
        .replace(/[\u2018\u2019]/g, "'");
      const result = dehyphenate(page, { vocabulary: buildVocabulary(books.get(id[0] as string) ?? [page]) });
      const decisions: Array<{ left: string; right: string; joined: boolean }> = result.paragraphs.flatMap((paragraph) =>
        paragraph.joins.map((join) => ({ left: join.left, right: join.right, joined: !join.keptHyphen })),
      );
      // A hyphen ending a paragraph is left alone: scored as "not joined" against the next paragraph's first word.
      const paragraphs = page.blocks.flatMap((block) => block.paragraphs);
      result.paragraphs.forEach((paragraph, index) => {
        if (paragraph.trailingHyphen === null) return;
        const next = paragraphs[index + 1]?.lines[0]?.words[0]?.text;
        counts.trailing += 1;
        if (next) decisions.push({ left: paragraph.trailingHyphen, right: next, joined: false });
      });
      for (const decision of decisions) {
        const expected = truthFor(truth, decision.left, decision.right);
        if (expected === null) counts.unscored += 1;
        else if (decision.joined && expected === 'join') counts.truePositive += 1;
        else if (decision.joined) counts.falsePositive += 1;
        else if (expected === 'join') counts.falseNegative += 1;
        else counts.trueNegative += 1;
        if (expected !== null && decision.joined !== (expected === 'join')) wrong.push(`${id}: "${decision.left}" + "${decision.right}" (truth: ${expected})`);
      }
    }
    const precision = counts.truePositive / (counts.truePositive + counts.falsePositive);
    const recall = counts.truePositive / (counts.truePositive + counts.falseNegative);
    const scored = counts.truePositive + counts.falsePositive + counts.falseNegative + counts.trueNegative;
    console.log(
      `[stage-correction] de-hyphenation on ${pages.size} old-books pages (OCR: ${evalEngine()}): ` +
        `${scored} line-end hyphens scored (${counts.unscored} unscorable: OCR garbled a half; ${counts.trailing} ending a paragraph), ` +
        `joins precision ${precision.toFixed(3)} (${counts.truePositive}/${counts.truePositive + counts.falsePositive}), ` +
        `recall ${recall.toFixed(3)} (${counts.truePositive}/${counts.truePositive + counts.falseNegative}), ` +
        `kept hyphens correct ${counts.trueNegative}/${counts.trueNegative + counts.falsePositive}` +
        (wrong.length > 0 ? `\n  wrong: ${wrong.join('; ')}` : ''),
    );
    expect(scored).toBeGreaterThanOrEqual(15);
    expect(precision).toBeGreaterThanOrEqual(0.9);
    expect(recall).toBeGreaterThanOrEqual(0.8);
  });
});
