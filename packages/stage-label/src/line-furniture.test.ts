import { type LineLabel, labelPageSchemaFor, type OcrPage, OcrPageSchema } from '@bookpipe/contracts';
import { describe, expect, it } from 'vitest';
import { labelDeterministic } from './deterministic-labeller.js';
import { isSectionNumber } from './heading-lines.js';
import { findLineFurniture } from './line-furniture.js';

/** A line as words placed by hand: `[text, x]`, each word 20 px a letter wide, 36 px high. */
interface LineSpec {
  words: Array<[string, number]>;
  y: number;
  height?: number;
  /** Every word's confidence. @default 0.8 */
  confidence?: number;
  /** The line box's height when OCR made it lower than its words (a speck beside them). @default the words' */
  boxHeight?: number;
}

/** A 1200 x 1800 px page; each inner array is one OCR block of one paragraph. */
function page(pageNumber: number, blocks: LineSpec[][]): OcrPage {
  const box = (boxes: Array<{ x: number; y: number; width: number; height: number }>) => {
    const x = Math.min(...boxes.map((b) => b.x));
    const y = Math.min(...boxes.map((b) => b.y));
    return { x, y, width: Math.max(...boxes.map((b) => b.x + b.width)) - x, height: Math.max(...boxes.map((b) => b.y + b.height)) - y };
  };
  return OcrPageSchema.parse({
    pageNumber,
    width: 1200,
    height: 1800,
    engine: { name: 'test', version: '0', language: 'eng', psm: 3 },
    meanConfidence: 0.8,
    blocks: blocks.map((lines, index) => {
      const ocrLines = lines.map((line) => {
        const words = line.words.map(([text, x]) => ({
          text,
          bbox: { x, y: line.y, width: text.length * 20, height: line.height ?? 36 },
          confidence: line.confidence ?? 0.8,
        }));
        const around = box(words.map((word) => word.bbox));
        return {
          bbox: line.boxHeight === undefined ? around : { ...around, height: line.boxHeight },
          text: words.map((word) => word.text).join(' '),
          confidence: 0.8,
          words,
        };
      });
      const bbox = box(ocrLines.map((line) => line.bbox));
      return {
        blockNum: index + 1,
        bbox,
        paragraphs: [{ parNum: 1, bbox, text: ocrLines.map((line) => line.text).join('\n'), confidence: 0.8, lines: ocrLines }],
      };
    }),
  });
}

const WORDS = 'the compositor set every line of this page by hand and read it backwards in the stick before it went to press'.split(' ');
let drawn = 0;
/** A justified line of text across the column (x 100 to 1050): no two lines alike, as in a book. */
const text = (y: number, first?: string): LineSpec => {
  drawn += 1;
  const words = Array.from({ length: 8 }, (_, index) => (index === 0 && first ? first : (WORDS[(drawn * 5 + index * 7) % WORDS.length] as string)));
  return { words: words.map((word, index) => [word, index === 7 ? 1050 - word.length * 20 : 100 + index * 110] as [string, number]), y };
};
const body = (top: number, count: number, first?: string) =>
  Array.from({ length: count }, (_, index) => text(top + index * 50, index === 0 ? first : undefined));

const labelText = (ocr: OcrPage, label: LineLabel) => {
  const line = ocr.blocks.find((b) => b.blockNum === label.blockNum)?.paragraphs[0]?.lines[label.lineNum - 1];
  const words = label.words ? line?.words.slice(label.words[0] - 1, label.words[1]) : line?.words;
  return `${label.classification}:${words?.map((word) => word.text).join(' ')}`;
};
const marked = (pages: OcrPage[], found: LineLabel[][]) => found.map((labels, index) => labels.map((label) => labelText(pages[index] as OcrPage, label)));

describe('findLineFurniture', () => {
  // An old print: the running head and its folio are the first line of the text block, alternating
  // verso/recto; at the foot a signature mark (centred) and a catch-word (flush right).
  const oldPrint = () =>
    [12, 13, 14, 15].map((folio, index) => {
      const verso = folio % 2 === 0;
      const head: LineSpec = verso
        ? {
            words: [
              [String(folio), 100],
              ['DE', 400],
              ['ELECTIONE', 460],
            ],
            y: 100,
          }
        : {
            words: [
              ['IN', 400],
              ['FORMULA', 460],
              [String(folio), 1060],
            ],
            y: 100,
          };
      const firsts = ['alpha', 'beta', 'gamma', 'delta'];
      // The last recto's signature is read "i" (for "B 3"): beside a catch-word, mid-foot, it is the signature all the same.
      const signature: Array<[string, number]> = verso
        ? []
        : index === 3
          ? [['i', 570]]
          : [
              ['B', 560],
              [String(index), 590],
            ];
      const foot: LineSpec = { words: [...signature, [firsts[index + 1] ?? 'omega', 960]], y: 1400 };
      return page(index + 1, [[head, ...body(160, 25, firsts[index])], [foot]]);
    });

  it('splits a running head and its folio off the first text line, and finds catch-words and signature marks at the foot', () => {
    const pages = oldPrint();
    const found = findLineFurniture(pages);
    expect(marked(pages, found)).toEqual([
      ['PAGE_NUMBER:12', 'HEADER:DE ELECTIONE', 'CATCHWORD:beta'],
      ['HEADER:IN FORMULA', 'PAGE_NUMBER:13', 'SIGNATURE_MARK:B 1', 'CATCHWORD:gamma'],
      ['PAGE_NUMBER:14', 'HEADER:DE ELECTIONE', 'CATCHWORD:delta'],
      ['HEADER:IN FORMULA', 'PAGE_NUMBER:15', 'SIGNATURE_MARK:i', 'CATCHWORD:omega'],
    ]);
    // A catch-word that announces the next page's first word is surer than one that does not (the last page's).
    expect(found[0]?.find((label) => label.classification === 'CATCHWORD')?.confidence).toBe(0.9);
    expect(found[3]?.find((label) => label.classification === 'CATCHWORD')?.confidence).toBe(0.7);
  });

  it('takes the numeral that continues the neighbours folios when both ends of a head read as numerals (a speck read "1")', () => {
    const head = (pageNumber: number, words: Array<[string, number]>) => page(pageNumber, [[{ words, y: 100 }, ...body(160, 25)]]);
    const pages = [
      head(1, [
        ['70', 100],
        ['DE', 400],
        ['ELECTIONE', 460],
      ]),
      head(2, [
        ['1', 100],
        ['IN', 400],
        ['FORMULA', 460],
        ['71', 1060],
      ]),
      head(3, [
        ['72', 100],
        ['DE', 400],
        ['ELECTIONE', 460],
      ]),
    ];
    const folios = marked(pages, findLineFurniture(pages)).map((labels) => labels.filter((label) => label.startsWith('PAGE_NUMBER')));
    expect(folios).toEqual([['PAGE_NUMBER:70'], ['PAGE_NUMBER:71'], ['PAGE_NUMBER:72']]);
  });

  it('keeps the text block as text in the labeller, and reads the printed number from the PAGE_NUMBER line', () => {
    const pages = oldPrint();
    const labels = labelDeterministic(pages);
    expect(labels.map((label) => label.printedPageNumber)).toEqual(['12', '13', '14', '15']);
    expect(labels.map((label) => label.blocks.map((block) => block.classification))).toEqual([
      ['BODY', 'FOOTER'],
      ['BODY', 'FOOTER'],
      ['BODY', 'FOOTER'],
      ['BODY', 'FOOTER'],
    ]);
    labels.forEach((label, index) => {
      expect(labelPageSchemaFor(pages[index] as OcrPage).parse(label).lines).toHaveLength(index % 2 === 0 ? 3 : 4);
    });
  });

  it('splits a block whose first line is the running head: the head and folio are marked, the block stays text', () => {
    // OCR put the head and one line of text in a block of their own, above the rest of the text.
    const pages = [12, 13, 14].map((folio, index) =>
      page(index + 1, [
        [
          {
            words: [
              [String(folio), 100],
              ['OF', 400],
              ['THE', 460],
              ['HEAD', 540],
            ],
            y: 100,
          },
          text(160),
        ],
        body(210, 24),
      ]),
    );
    const labels = labelDeterministic(pages);
    for (const [index, label] of labels.entries()) {
      expect(label.blocks.map((block) => block.classification)).toEqual(['BODY', 'BODY']);
      expect(marked([pages[index] as OcrPage], [label.lines ?? []])).toEqual([[`PAGE_NUMBER:${12 + index}`, 'HEADER:OF THE HEAD']]);
      expect(label.printedPageNumber).toBe(String(12 + index));
    }
  });

  it('never takes a chapter opening for a running head, nor the last line of a paragraph for a catch-word', () => {
    const pages = [
      page(1, [
        [
          {
            words: [
              ['CHAPTER', 450],
              ['II', 620],
            ],
            y: 400,
          },
        ],
        body(500, 20),
      ]),
      page(2, [
        [
          {
            words: [
              ['CHAPTER', 450],
              ['III', 620],
            ],
            y: 400,
          },
        ],
        [
          ...body(500, 20),
          {
            words: [
              ['the', 100],
              ['end', 180],
              ['of', 260],
              ['it', 1060],
            ],
            y: 1500,
          },
        ],
      ]),
      page(3, [
        [
          {
            words: [
              ['CHAPTER', 450],
              ['IV', 620],
            ],
            y: 400,
          },
        ],
        body(500, 20),
      ]),
    ];
    expect(findLineFurniture(pages)).toEqual([[], [], []]);
  });

  it('takes a row that names a division for a running head when it repeats at head height two pages on, and its outer numeral for the folio', () => {
    // A catalogue's section: versos "198 SECTIO III.", rectos "IN OCTAVO. 199"; OCR misread the third head
    // ("SECTIO IIL"), and read a mark at the gutter's edge far left of the first recto's head ("B"): no part of it.
    const heads: Array<Array<[string, number]>> = [
      [
        ['198', 100],
        ['SECTIO', 460],
        ['III.', 620],
      ],
      [
        ['B', 20],
        ['IN', 420],
        ['OCTAVO.', 480],
        ['199', 1000],
      ],
      [
        ['200', 100],
        ['SECTIO', 460],
        ['IIL', 620],
      ],
      [
        ['IN', 420],
        ['OCTAVO.', 480],
        ['201', 1000],
      ],
    ];
    const pages = heads.map((words, index) => page(index + 1, [[{ words, y: 100 }, ...body(160, 25)]]));
    expect(marked(pages, findLineFurniture(pages))).toEqual([
      ['PAGE_NUMBER:198', 'HEADER:SECTIO III.'],
      ['HEADER:IN OCTAVO.', 'PAGE_NUMBER:199'],
      ['PAGE_NUMBER:200', 'HEADER:SECTIO IIL'],
      ['HEADER:IN OCTAVO.', 'PAGE_NUMBER:201'],
    ]);
    const labels = labelDeterministic(pages);
    expect(labels.map((label) => label.printedPageNumber)).toEqual(['198', '199', '200', '201']);
    expect(labels.flatMap((label) => label.blocks.map((block) => block.classification))).not.toContain('CHAPTER_HEADING');

    // Two openings two pages apart name two sections at the same height: headings, not a running head.
    const openings = [
      page(1, [[{ words: heads[0]!.slice(1), y: 100 }, ...body(160, 25)]]),
      page(2, [body(160, 25)]),
      page(3, [
        [
          {
            words: [
              ['SECTIO', 460],
              ['IV.', 620],
            ],
            y: 100,
          },
          ...body(160, 25),
        ],
      ]),
    ];
    expect(marked(openings, findLineFurniture(openings))).toEqual([[], [], []]);
  });

  it('takes a numeral alone at the foot for the folio where heads carry none, and a note beside the column for marginalia', () => {
    const pages = [1, 2, 3].map((number) =>
      page(number, [
        body(100, 24),
        [{ words: [[String(number + 40), 580]], y: 1400 }],
        [{ words: [['Note', 1090]], y: 300 }],
        // A strip of the facing page at the image's edge is no note of this page.
        [{ words: [['facing', 0]], y: 600 }],
      ]),
    );
    expect(marked(pages, findLineFurniture(pages))).toEqual([
      ['PAGE_NUMBER:41', 'MARGINALIA:Note'],
      ['PAGE_NUMBER:42', 'MARGINALIA:Note'],
      ['PAGE_NUMBER:43', 'MARGINALIA:Note'],
    ]);
  });

  it('takes an ornament read as letters with little confidence for no running head, but keeps the folio beside it', () => {
    const pages = [14, 15, 16].map((folio, index) =>
      page(index + 1, [
        [
          { words: [[String(folio), index % 2 === 0 ? 300 : 880]], y: 100 },
          { words: [['SLI"', 520]], y: 96, height: 44, confidence: 0.3 },
        ],
        body(180, 24),
      ]),
    );
    expect(marked(pages, findLineFurniture(pages))).toEqual([['PAGE_NUMBER:14'], ['PAGE_NUMBER:15'], ['PAGE_NUMBER:16']]);
  });

  it('finds a catch-word whose first half OCR read as digits, and one on a line whose box is lower than its word', () => {
    const pages = [12, 13, 14].map((folio, index) => {
      const head: LineSpec = {
        words: [
          [String(folio), 100],
          ['DE', 400],
          ['ELECTIONE', 460],
        ],
        y: 100,
      };
      // "non ad-" read "802 ad.", set flush right; then a catch-word whose line box OCR made 12 px high.
      const foot: LineSpec =
        index === 0
          ? {
              words: [
                ['802', 880],
                ['ad.', 960],
              ],
              y: 1400,
            }
          : { words: [['titionem', 890]], y: 1400, boxHeight: 12 };
      return page(index + 1, [[head, ...body(160, 25)], [foot]]);
    });
    const catchwords = marked(pages, findLineFurniture(pages)).map((labels) => labels.filter((label) => label.startsWith('CATCHWORD')));
    expect(catchwords).toEqual([['CATCHWORD:802 ad.'], ['CATCHWORD:titionem'], ['CATCHWORD:titionem']]);
  });

  it('finds a catch-word OCR read into the last text line as its last word, hanging below the row, but not a descender', () => {
    // The last line's last word reaches down by `hang` px below its row (36 px words): tesseract took the
    // catch-word under the line's end for one more word of the line.
    const hanging = (pageNumber: number, hang: number, rank: number) => {
      const ocr = page(pageNumber, [body(160, 25)]);
      const lines = ocr.blocks[0]!.paragraphs[0]!.lines;
      const last = lines.at(-1)!;
      const word = last.words[rank - 1]!;
      word.bbox = { ...word.bbox, height: word.bbox.height + hang };
      last.bbox = { ...last.bbox, height: last.bbox.height + hang };
      return ocr;
    };
    const pages = [hanging(1, 44, 8), hanging(2, 10, 8), hanging(3, 44, 4)];
    const catchwords = findLineFurniture(pages).map((labels) => labels.filter((label) => label.classification === 'CATCHWORD'));
    expect(catchwords.map((labels) => labels.map((label) => [label.lineNum, label.words]))).toEqual([[[25, [8, 8]]], [], []]);
  });

  it('takes a pair mid-foot for the signature when one of its words is one ("FX [S3]" for "* 5", the star misread)', () => {
    const pages = [
      page(1, [body(160, 25), [{ words: [['FX', 540]], y: 1420 }], [{ words: [['[S3]', 590]], y: 1424 }], [{ words: [['ziehen,', 900]], y: 1420 }]]),
    ];
    expect(marked(pages, findLineFurniture(pages))).toEqual([['SIGNATURE_MARK:FX', 'SIGNATURE_MARK:[S3]', 'CATCHWORD:ziehen,']]);
  });

  it('finds a marginal note OCR read onto the text line it abuts, but not an item number hanging out of a catalogue', () => {
    const line = (y: number, note: Array<[string, number]> = []): LineSpec => ({
      words: [
        ...note,
        ...['and', 'so', 'the', 'printer', 'set', 'it', 'close', 'there'].map(
          (word, index) => [word, index === 7 ? 1050 - word.length * 20 : 300 + index * 95] as [string, number],
        ),
      ],
      y,
    });
    const pages = [1, 2, 3].map((number) =>
      page(number, [
        Array.from({ length: 24 }, (_, index) =>
          line(
            200 + 50 * index,
            index === 4
              ? [
                  ['Hiob.', 100],
                  ['14.', 230],
                ]
              : index === 10
                ? [['63', 250]]
                : [],
          ),
        ),
      ]),
    );
    // (The first line repeats word for word on every page: a running head, here beside the point.)
    const notes = marked(pages, findLineFurniture(pages)).map((labels) => labels.filter((label) => label.startsWith('MARGINALIA')));
    expect(notes).toEqual([['MARGINALIA:Hiob. 14.'], ['MARGINALIA:Hiob. 14.'], ['MARGINALIA:Hiob. 14.']]);
  });

  it('takes words that run a line on at its own word spacing past the column edge for text, and a word after a broken one for a note', () => {
    // Ten words of 80 px a line, 20 px apart (x 100 to 1080); four lines run on one word further (a column
    // cut short elsewhere on the page, or a second column): the same spacing, the line's own text.
    const line = (y: number, last?: string): LineSpec => ({
      words: [
        ...Array.from({ length: 10 }, (_, index) => [index === 9 && last === 'vt' ? 'con-' : 'word', 100 + index * 100] as [string, number]),
        ...(last ? [[last, 1100] as [string, number]] : []),
      ],
      y,
    });
    const lines = Array.from({ length: 24 }, (_, index) => line(200 + 50 * index, index % 6 === 3 ? 'more' : index === 20 ? 'vt' : undefined));
    const pages = [page(1, [lines])];
    const notes = marked(pages, findLineFurniture(pages)).map((labels) => labels.filter((label) => label.startsWith('MARGINALIA')));
    // "con-" ends its line: "vt" beside it, one word space off, is a note all the same.
    expect(notes).toEqual([['MARGINALIA:vt']]);
  });
});

describe('heading lines inside text blocks', () => {
  // A treatise's section heading, centred on a line of its own, that OCR read as the last line of the
  // paragraph before it ("6: VII" for "§. VII"), and a speck read as a letter far to its left.
  const treatise = (heading: Array<[string, number]>) => [page(1, [[...body(100, 8), { words: heading, y: 520 }], body(580, 10)])];

  it('labels a centred section number that closes a paragraph as a SECTION_HEADING line', () => {
    for (const heading of [
      [
        ['6:', 540],
        ['VII', 600],
      ],
      [
        ['§.', 530],
        ['VIII.', 580],
      ],
      [['II.', 555]],
      [
        ['d', 120],
        ['$.', 530],
        ['VI.', 580],
      ],
    ] as Array<Array<[string, number]>>) {
      const pages = treatise(heading);
      const [label] = labelDeterministic(pages);
      expect(label?.lines?.map((line) => labelText(pages[0] as OcrPage, line))).toEqual([`SECTION_HEADING:${heading.map(([word]) => word).join(' ')}`]);
      expect(label?.blocks.map((block) => block.classification)).toEqual(['BODY', 'BODY']);
    }
  });

  it('labels a centred mark OCR could not read among the lines of text as a section heading, in a text block or a block of its own', () => {
    // "KL:" read for "III." with next to no confidence, centred on the column (x 100 to 1050).
    const mark = (x: number, confidence: number): LineSpec => ({ words: [['KL:', x]], y: 520, confidence });
    const inBlock = [page(1, [[...body(100, 8), mark(545, 0.2)], body(580, 10)])];
    expect(labelDeterministic(inBlock)[0]?.lines?.map((line) => labelText(inBlock[0] as OcrPage, line))).toEqual(['SECTION_HEADING:KL:']);
    const ownBlock = [page(1, [body(100, 8), [mark(545, 0.2)], body(580, 10)])];
    expect(labelDeterministic(ownBlock)[0]?.blocks.map((block) => block.classification)).toEqual(['BODY', 'SECTION_HEADING', 'BODY']);
    // Read with confidence, it says what it is (no section number); off centre, it is a mark in the text.
    for (const other of [mark(545, 0.8), mark(760, 0.2)]) {
      for (const pages of [[page(1, [[...body(100, 8), other], body(580, 10)])], [page(1, [body(100, 8), [other], body(580, 10)])]]) {
        const [label] = labelDeterministic(pages);
        expect(label?.lines ?? []).toEqual([]);
        expect(label?.blocks.map((block) => block.classification)).not.toContain('SECTION_HEADING');
      }
    }
  });

  it('leaves a short line that is text, or is off centre, or names no section, as text', () => {
    for (const line of [[['finis', 100]], [['VII', 900]], [['Amen.', 560]], [['I', 590]], [['MIX', 570]]] as Array<Array<[string, number]>>) {
      const [label] = labelDeterministic(treatise(line));
      expect(label?.lines ?? []).toEqual([]);
    }
  });

  it('classes a stack of centred lines of different lengths as a heading block, and text over a centred folio as text', () => {
    const title: LineSpec[] = [
      {
        words: [
          ['ANNOTATIONES', 365],
          ['VBER', 625],
          ['DEN', 725],
        ],
        y: 100,
      },
      {
        words: [
          ['des', 470],
          ['Theils.', 540],
        ],
        y: 160,
      },
      { words: [['APPENDICEM', 475]], y: 220 },
    ];
    const [opening] = labelDeterministic([page(1, [title, body(320, 12)])]);
    expect(opening?.blocks.map((block) => block.classification)).toEqual(['CHAPTER_HEADING', 'BODY']);
    // The last line of a page's text and its folio centred under it, read as one block.
    const [foot] = labelDeterministic([page(2, [body(100, 12), [text(720), { words: [['1', 570]], y: 780 }]])]);
    expect(foot?.blocks[1]?.classification).not.toMatch(/HEADING/);
  });

  it('reads a section sign as OCR misreads it, and roman numerals with H for II', () => {
    expect(['§. VII.', '$. VI.', '6: VII', 'VHI.', 'II.', '§ 12', 'S. IV', 'III'].map(isSectionNumber)).toEqual(Array(8).fill(true));
    expect(['12', 'I', 'MIX', 'DIV.', '6:', 'Amen.', 'HH'].map(isSectionNumber)).toEqual(Array(7).fill(false));
  });
});
