/**
 * A word read with a confidence under this is "low confidence": the OCR stage counts such words (`lowConfidenceWordShare`) and the HTML view marks them: about where
 * a word turns from more likely wrong to more likely right. Measured on the 42 old-books pages (native
 * tesseract, model 4.0.0_best_int; a word counts as right when the page's Gutenberg text has it):
 * 16-29% of the words under 0.5 are right, 45% at 0.5-0.6, 57% at 0.6-0.7, 78% at 0.8-0.9, 99% from 0.95.
 */
export const LOW_CONFIDENCE_THRESHOLD = 0.6;
