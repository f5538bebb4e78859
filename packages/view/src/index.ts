export { renderView, VIEW_DIR, type RenderViewOptions, type RenderViewResult } from './render-view.js';
export { CLASS_COLOURS, UNLABELLED_COLOUR } from './class-colours.js';
export { escapeHtml } from './html.js';
