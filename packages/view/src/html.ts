/**
 * HTML built by a tagged template that escapes every interpolated value unless it is already `SafeHtml`.
 * Everything OCR or a model wrote reaches the page through here, so escaping cannot be forgotten at a
 * call site: a `${value}` is text, never markup. Only fragments built by this module are trusted.
 */

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for an element's content or a quoted attribute value. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

/** A fragment of HTML that is safe to insert as is (made by `html` or `join`). */
export class SafeHtml {
  readonly #value: string;
  /** @internal only `html`, `join` and `trusted` make one. */
  constructor(value: string) {
    this.#value = value;
  }
  toString(): string {
    return this.#value;
  }
}

type Interpolation = SafeHtml | string | number | boolean | null | undefined | readonly Interpolation[];

function render(value: Interpolation): string {
  if (value === null || value === undefined || value === false) return '';
  if (value instanceof SafeHtml) return value.toString();
  if (Array.isArray(value)) return value.map(render).join('');
  return escapeHtml(String(value));
}

/** `html\`<p>${text}</p>\``: the literal parts are markup, the interpolated values are escaped. */
export function html(strings: TemplateStringsArray, ...values: Interpolation[]): SafeHtml {
  let out = strings[0]!;
  values.forEach((value, i) => {
    out += render(value) + strings[i + 1]!;
  });
  return new SafeHtml(out);
}

/** Joins fragments (escaping plain strings) with a separator that is itself escaped. */
export function join(parts: readonly Interpolation[], separator = ''): SafeHtml {
  return new SafeHtml(parts.map(render).join(escapeHtml(separator)));
}

/**
 * Markup made by this package from values it controls (numbers, fixed class names, CSS): never pass
 * text read from a scan here.
 */
export function trusted(markup: string): SafeHtml {
  return new SafeHtml(markup);
}
