import { distance } from 'fastest-levenshtein';

/** What it takes to turn a reference sequence into a hypothesis: the Levenshtein edits, split by kind. */
export interface EditCounts {
  /** Length of the reference, in tokens (code points for characters, words for words). */
  referenceLength: number;
  hypothesisLength: number;
  /** Levenshtein distance: substitutions + deletions + insertions. */
  edits: number;
  substitutions: number;
  /** Reference tokens the hypothesis lacks. */
  deletions: number;
  /** Hypothesis tokens the reference lacks. */
  insertions: number;
}

// fastest-levenshtein compares UTF-16 code units. Every distinct token (a code point, or a word) gets
// its own code unit, surrogates skipped, so that a token is always one unit and astral characters
// (rare, but present in some transcriptions) count once.
const FIRST_UNIT = 0x21;
const SURROGATES = { from: 0xd800, to: 0xdfff };
const MAX_DISTINCT = 0xffff - FIRST_UNIT - (SURROGATES.to - SURROGATES.from + 1);

function encode(reference: readonly string[], hypothesis: readonly string[]): [string, string] {
  const codes = new Map<string, number>();
  const unitOf = (token: string): string => {
    let code = codes.get(token);
    if (code === undefined) {
      if (codes.size >= MAX_DISTINCT) {
        throw new RangeError(`edit counts: more than ${MAX_DISTINCT} distinct tokens; compare smaller pieces (a page at a time)`);
      }
      code = FIRST_UNIT + codes.size;
      if (code >= SURROGATES.from) code += SURROGATES.to - SURROGATES.from + 1;
      codes.set(token, code);
    }
    return String.fromCharCode(code);
  };
  return [reference.map(unitOf).join(''), hypothesis.map(unitOf).join('')];
}

/**
 * The split of an optimal alignment into substitutions, deletions and insertions. The npm edit-distance
 * libraries (fastest-levenshtein, js-levenshtein, levenshtein-edit-distance) return the distance only,
 * so this is the textbook Wagner-Fischer recurrence, two rows at a time, each cell carrying the
 * deletions and insertions of the path that reached it (ties: diagonal, then deletion, then insertion).
 */
function splitEdits(ref: string, hyp: string): { edits: number; deletions: number; insertions: number } {
  const m = hyp.length;
  let cost = new Uint32Array(m + 1);
  let del = new Uint32Array(m + 1);
  let ins = new Uint32Array(m + 1);
  let nextCost = new Uint32Array(m + 1);
  let nextDel = new Uint32Array(m + 1);
  let nextIns = new Uint32Array(m + 1);
  for (let j = 0; j <= m; j += 1) {
    cost[j] = j;
    ins[j] = j;
  }
  for (let i = 1; i <= ref.length; i += 1) {
    nextCost[0] = i;
    nextDel[0] = i;
    nextIns[0] = 0;
    const r = ref.charCodeAt(i - 1);
    for (let j = 1; j <= m; j += 1) {
      const diagonal = cost[j - 1]! + (r === hyp.charCodeAt(j - 1) ? 0 : 1);
      const deletion = cost[j]! + 1;
      const insertion = nextCost[j - 1]! + 1;
      if (diagonal <= deletion && diagonal <= insertion) {
        nextCost[j] = diagonal;
        nextDel[j] = del[j - 1]!;
        nextIns[j] = ins[j - 1]!;
      } else if (deletion <= insertion) {
        nextCost[j] = deletion;
        nextDel[j] = del[j]! + 1;
        nextIns[j] = ins[j]!;
      } else {
        nextCost[j] = insertion;
        nextDel[j] = nextDel[j - 1]!;
        nextIns[j] = nextIns[j - 1]! + 1;
      }
    }
    [cost, nextCost] = [nextCost, cost];
    [del, nextDel] = [nextDel, del];
    [ins, nextIns] = [nextIns, ins];
  }
  return { edits: cost[m]!, deletions: del[m]!, insertions: ins[m]! };
}

/**
 * Levenshtein edits between two token sequences (characters or words), with their split by kind.
 * The distance is fastest-levenshtein's; the split comes from an alignment of the same cost.
 */
export function editCounts(reference: readonly string[], hypothesis: readonly string[]): EditCounts {
  const [ref, hyp] = encode(reference, hypothesis);
  const edits = distance(ref, hyp);
  const split = splitEdits(ref, hyp);
  if (split.edits !== edits) {
    // Both compute the same minimum; a difference is a bug here, not a property of the texts.
    throw new Error(`edit counts: alignment cost ${split.edits} differs from the edit distance ${edits}`);
  }
  return {
    referenceLength: reference.length,
    hypothesisLength: hypothesis.length,
    edits,
    substitutions: edits - split.deletions - split.insertions,
    deletions: split.deletions,
    insertions: split.insertions,
  };
}

/** Edits per reference token (an empty reference counts as one token, so a blank page read as noise is not infinite). */
export function errorRate(counts: EditCounts): number {
  return counts.edits / Math.max(1, counts.referenceLength);
}
