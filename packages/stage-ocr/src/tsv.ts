/**
 * One row of tesseract's TSV output. Both engines produce it (`tessedit_create_tsv` for the CLI,
 * `GetTSVText` in tesseract.js), so one parser and one page builder serve both.
 *
 * Levels: 1 page, 2 block, 3 paragraph, 4 line, 5 word. Numbers are tesseract's own: blocks from 1 per
 * page, paragraphs from 1 per block, lines from 1 per paragraph, words from 1 per line.
 */
export interface TsvRow {
  level: 1 | 2 | 3 | 4 | 5;
  block: number;
  par: number;
  line: number;
  word: number;
  left: number;
  top: number;
  width: number;
  height: number;
  /** 0..100 for words, -1 for the other levels. */
  conf: number;
  text: string;
}

/**
 * Parses tesseract TSV text. The header line (written by the CLI, not by tesseract.js) and blank lines
 * are skipped.
 * @throws Error naming the line number for a malformed row, since that means the engine and this parser
 *   disagree about the format.
 */
export function parseTsv(tsv: string): TsvRow[] {
  const rows: TsvRow[] = [];
  const lines = tsv.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!.replace(/\r$/, '');
    if (raw === '' || raw.startsWith('level\t')) continue;
    const cells = raw.split('\t');
    // The text column is last; a word never holds a tab, but keep whatever follows the 11th tab.
    const nums = cells.slice(0, 11).map(Number);
    const level = nums[0];
    if (cells.length < 11 || nums.some((n) => Number.isNaN(n)) || !(level! >= 1 && level! <= 5)) {
      throw new Error(`Unexpected tesseract TSV at line ${i + 1}: ${JSON.stringify(raw.slice(0, 120))}`);
    }
    rows.push({
      level: level as TsvRow['level'],
      block: nums[2]!,
      par: nums[3]!,
      line: nums[4]!,
      word: nums[5]!,
      left: nums[6]!,
      top: nums[7]!,
      width: nums[8]!,
      height: nums[9]!,
      conf: nums[10]!,
      text: cells.slice(11).join('\t'),
    });
  }
  return rows;
}
