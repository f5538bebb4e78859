/** One change the model asks for: replace the span `find` of the paragraph's text with `replace`. */
export interface ParagraphEdit {
  find: string;
  replace: string;
}

/**
 * Why an edit was not applied:
 * - `empty_find`: `find` is empty (there is nothing to anchor the change to);
 * - `not_found`: `find` does not occur in the paragraph's text (the model misquoted it);
 * - `ambiguous`: `find` occurs more than once, so which occurrence is meant cannot be known;
 * - `overlap`: `find` overlaps the span of an earlier edit of the same paragraph.
 */
export type EditRejectionReason = 'empty_find' | 'not_found' | 'ambiguous' | 'overlap';

export interface EditRejection {
  edit: ParagraphEdit;
  reason: EditRejectionReason;
  detail: string;
}

export interface AppliedEdits {
  /** The paragraph's text with every accepted edit applied (the given text when none was). */
  text: string;
  /** Edits that changed the text. An edit whose `replace` equals its `find` is dropped silently. */
  applied: number;
  rejected: EditRejection[];
}

/** A paragraph is one line: models sometimes copy the printed line breaks into a span. */
const oneLine = (text: string) => text.replace(/\s+/g, ' ');

/**
 * Applies a model's edits to one paragraph's text. Each `find` must occur exactly once in the given
 * text (not in the text after earlier edits, so the order of the list does not matter and an edit cannot
 * match the output of another); an edit that cannot be placed for certain is refused with a named reason
 * instead of guessed at, and the others still apply. Whitespace runs in `find` and `replace` count as
 * one space, as in the text.
 */
export function applyEdits(given: string, edits: readonly ParagraphEdit[]): AppliedEdits {
  const rejected: EditRejection[] = [];
  const spans: { start: number; end: number; replace: string }[] = [];
  for (const edit of edits) {
    const find = oneLine(edit.find);
    const replace = oneLine(edit.replace);
    if (find === replace) continue;
    if (find === '') {
      rejected.push({ edit, reason: 'empty_find', detail: `an empty "find" (replace ${JSON.stringify(edit.replace)})` });
      continue;
    }
    const start = given.indexOf(find);
    if (start < 0) {
      rejected.push({ edit, reason: 'not_found', detail: `${JSON.stringify(edit.find)} is not in the paragraph` });
      continue;
    }
    // Overlapping occurrences count too ("aa" in "aaa"): either could be the one meant.
    const again = given.indexOf(find, start + 1);
    if (again >= 0) {
      rejected.push({ edit, reason: 'ambiguous', detail: `${JSON.stringify(edit.find)} occurs more than once; quote more of its words` });
      continue;
    }
    const end = start + find.length;
    if (spans.some((span) => start < span.end && span.start < end)) {
      rejected.push({ edit, reason: 'overlap', detail: `${JSON.stringify(edit.find)} overlaps another edit of the paragraph` });
      continue;
    }
    spans.push({ start, end, replace });
  }
  spans.sort((a, b) => a.start - b.start);
  let text = '';
  let at = 0;
  for (const span of spans) {
    text += given.slice(at, span.start) + span.replace;
    at = span.end;
  }
  text += given.slice(at);
  return { text: text.replace(/ {2,}/g, ' ').trim(), applied: spans.length, rejected };
}
