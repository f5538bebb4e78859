import type { BlockClass } from './label-page.js';

/**
 * What a block does in the book, decided by its class:
 * - `furniture`: running heads, feet, page numbers and OCR noise: on the page, not in the text.
 * - `chapter-heading`, `section-heading`: headings.
 * - `note`: footnotes, kept with their page.
 * - `caption`: captions and labels of pictures, maps and diagrams.
 * - `prose`: running text, which may go on across a page break.
 * - `other`: text kept in reading order that never runs across pages (title page, contents, tables, index).
 */
export type BlockRole = 'furniture' | 'chapter-heading' | 'section-heading' | 'note' | 'caption' | 'prose' | 'other';

const ROLES: Record<BlockClass, BlockRole> = {
  TITLE_PAGE: 'other',
  COPYRIGHT: 'other',
  DEDICATION: 'other',
  TABLE_OF_CONTENTS: 'other',
  PREFACE: 'prose',
  FOREWORD: 'prose',
  INTRODUCTION: 'prose',
  CHAPTER_HEADING: 'chapter-heading',
  SECTION_HEADING: 'section-heading',
  BODY: 'prose',
  QUOTE: 'prose',
  EPIGRAPH: 'other',
  FOOTNOTE: 'note',
  ENDNOTES: 'prose',
  BIBLIOGRAPHY: 'prose',
  REFERENCES: 'prose',
  INDEX: 'other',
  EPILOGUE: 'prose',
  APPENDIX: 'prose',
  GLOSSARY: 'prose',
  ACKNOWLEDGMENTS: 'prose',
  HEADER: 'furniture',
  FOOTER: 'furniture',
  PAGE_NUMBER: 'furniture',
  ILLUSTRATION_CAPTION: 'caption',
  CAPTION: 'caption',
  TABLE: 'other',
  MAP_LABEL: 'caption',
  DIAGRAM_LABEL: 'caption',
  PHOTO_CREDIT: 'caption',
  OCR_ARTIFACT: 'furniture',
  OTHER: 'other',
};

/** The role of a block class in the book. */
export function blockRole(classification: BlockClass): BlockRole {
  return ROLES[classification];
}

/** Quotes and epigraphs are set apart in Markdown (`> `). */
export function isQuote(classification: BlockClass): boolean {
  return classification === 'QUOTE' || classification === 'EPIGRAPH';
}
