/**
 * One colour per block class, fixed for every book so that a reader learns them once. Families share a
 * hue: headings red/orange, running heads and folios violet/pink, notes green, captions and labels
 * amber/olive, front matter indigo/brown, back matter teal/dark green, body text blue.
 */
export const CLASS_COLOURS: Readonly<Record<BlockClass, string>> = {
  TITLE_PAGE: '#9f1239',
  COPYRIGHT: '#78716c',
  DEDICATION: '#b45309',
  TABLE_OF_CONTENTS: '#4f46e5',
  PREFACE: '#0369a1',
  FOREWORD: '#1d4ed8',
  INTRODUCTION: '#1e40af',
  CHAPTER_HEADING: '#dc2626',
  SECTION_HEADING: '#ea580c',
  BODY: '#2563eb',
  QUOTE: '#0891b2',
  EPIGRAPH: '#0e7490',
  FOOTNOTE: '#059669',
  ENDNOTES: '#047857',
  BIBLIOGRAPHY: '#15803d',
  REFERENCES: '#166534',
  INDEX: '#3f6212',
  EPILOGUE: '#1e3a8a',
  APPENDIX: '#155e75',
  GLOSSARY: '#134e4a',
  ACKNOWLEDGMENTS: '#6d28d9',
  HEADER: '#7c3aed',
  FOOTER: '#a21caf',
  PAGE_NUMBER: '#db2777',
  ILLUSTRATION_CAPTION: '#ca8a04',
  CAPTION: '#a16207',
  TABLE: '#0d9488',
  MAP_LABEL: '#65a30d',
  DIAGRAM_LABEL: '#4d7c0f',
  PHOTO_CREDIT: '#854d0e',
  OCR_ARTIFACT: '#111827',
  OTHER: '#6b7280',
};

/** Blocks the label stage has not classified (not run, failed, or the block is missing from its page). */
export const UNLABELLED = 'unlabelled';
export const UNLABELLED_COLOUR = '#94a3b8';

const KNOWN = new Set<string>(BLOCK_CLASSES);

/**
 * The CSS class of a block class: `c-BODY`, or `c-unlabelled`. Anything that is not a known class name
 * (a newer label stage, a hand-edited file) is shown as OTHER rather than put into markup.
 */
export function classCss(cls: string | null): string {
  if (cls === null) return `c-${UNLABELLED}`;
  return KNOWN.has(cls) ? `c-${cls}` : 'c-OTHER';
}

/** Display name: "CHAPTER_HEADING" -> "chapter heading". */
export function className(cls: string | null): string {
  return cls === null ? 'no label' : cls.toLowerCase().replace(/_/g, ' ');
}

/** The CSS custom property `--c` for each class, used by block outlines, fills and text margins. */
export function classColourCss(): string {
  const rules = Object.entries(CLASS_COLOURS).map(([cls, colour]) => `.c-${cls}{--c:${colour}}`);
  rules.push(`.c-${UNLABELLED}{--c:${UNLABELLED_COLOUR}}`);
  return rules.join('\n');
}

import { BLOCK_CLASSES, type BlockClass } from '@bookpipe/contracts';
