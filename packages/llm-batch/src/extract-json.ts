/** The outcome of reading a model's text answer as JSON. */
export type ExtractedJson = { ok: true; value: unknown } | { ok: false; code: 'invalid_json'; reason: string };

/** A whole answer that is one fenced block: ```json ... ``` (or a bare ``` fence), nothing around it. */
const FENCED = /^```(?:json|JSON)?[ \t]*\r?\n([\s\S]*?)\r?\n?```$/;

/**
 * The one rule every adapter's text answer goes through before strict schema validation:
 * JSON with whitespace around it, or a single fenced ```json block and nothing else, is read;
 * anything else (prose around the JSON, two blocks, cut-off JSON, HTML) is refused with a reason
 * that names what it looked like. Local servers that ignore `response_format` (Ollama, LM Studio)
 * tend to fence their JSON; prose around it would mean the model did not follow the format, and
 * guessing which braces are the answer is not ours to do.
 *
 * The reason never quotes the answer: it may hold the book's text.
 */
export function extractJson(text: string): ExtractedJson {
  const trimmed = text.trim();
  const fenced = FENCED.exec(trimmed);
  const body = fenced ? (fenced[1] as string).trim() : trimmed;
  if (fenced && body.includes('```')) return refuse('more than one fenced block', text);
  try {
    return { ok: true, value: JSON.parse(body) };
  } catch (error) {
    if (body === '') return refuse(fenced ? 'an empty fenced block' : 'empty text', text);
    if (/^<(!doctype|html|\?xml|head|body)\b/i.test(body)) return refuse('HTML, not JSON', text);
    if (!fenced && trimmed.includes('```')) return refuse('text around a fenced block (only a single block alone is read)', text);
    if (!/^[[{"\d\-tfn]/.test(body)) return refuse('prose, not JSON', text);
    // V8 quotes a piece of the text in its message: leave the answer's content out of the reason.
    const message = (error as Error).message.replace(/, ".*is not valid JSON$/s, '').replace(/ in JSON at position/, ' at position');
    return refuse(`not valid JSON: ${message}`, text);
  }
}

function refuse(what: string, text: string): ExtractedJson {
  return { ok: false, code: 'invalid_json', reason: `response is ${what} (${text.length} chars)` };
}
