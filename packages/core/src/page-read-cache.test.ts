import { describe, expect, it } from 'vitest';
import { PageReadCache } from './page-read-cache.js';

/** Paths of the arrays and objects in `value` that are not frozen. */
function unfrozen(value: unknown, path = 'page'): string[] {
  if (typeof value !== 'object' || value === null) return [];
  return [...(Object.isFrozen(value) ? [] : [path]), ...Object.entries(value).flatMap(([key, child]) => unfrozen(child, `${path}.${key}`))];
}

describe('PageReadCache', () => {
  it('hands every reader the same page, frozen all the way down (arrays, objects, word boxes), loaded once', async () => {
    const cache = new PageReadCache();
    let loads = 0;
    const load = async () => {
      loads++;
      return JSON.parse(
        JSON.stringify({
          pageNumber: 1,
          blocks: [
            {
              blockNum: 1,
              paragraphs: [
                {
                  lines: [
                    {
                      text: 'a b',
                      words: [
                        { text: 'a', bbox: { x: 1, y: 2 } },
                        { text: 'b', bbox: { x: 3, y: 2 } },
                      ],
                    },
                  ],
                },
              ],
            },
          ],
          engine: { name: 't', tags: [] },
        }),
      ) as { blocks: Array<{ paragraphs: Array<{ lines: Array<{ words: Array<{ bbox: { x: number } }> }> }> }> };
    };
    const [a, b] = await Promise.all([cache.get('ocr', 1, undefined, load), cache.get('ocr', 1, undefined, load)]);
    expect(b).toBe(a);
    expect(loads).toBe(1);
    expect(unfrozen(a)).toEqual([]);
    const box = a.blocks[0]!.paragraphs[0]!.lines[0]!.words[1]!.bbox;
    expect(() => {
      box.x = 9;
    }).toThrow(TypeError);
    expect(box.x).toBe(3);
  });

  it('leaves an already frozen part as it is and still freezes what is around it', async () => {
    const shared = Object.freeze({ name: 'engine' });
    const page = await new PageReadCache().get('ocr', 1, undefined, async () => ({ engine: shared, blocks: [{ text: 'x' }] }));
    expect(page.engine).toBe(shared);
    expect(unfrozen(page)).toEqual([]);
  });
});
