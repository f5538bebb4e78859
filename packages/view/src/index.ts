export { CLASS_COLOURS, UNLABELLED_COLOUR } from './class-colours.js';
export { escapeHtml } from './html.js';
export type { ImageFormat } from './page-images.js';
export { type RenderViewOptions, type RenderViewResult, renderView, VIEW_DIR } from './render-view.js';
