// The shared vocabulary of bookpipe: what every stage's page files hold, which stages exist, and the
// thresholds more than one package applies. It imports nothing of bookpipe's, so stages, eval, view and
// users' own code can read each other's files without depending on each other.
export * from './base-schemas.js';
export * from './block-roles.js';
export * from './book.js';
export * from './correction-page.js';
export * from './label-page.js';
export * from './merge-page.js';
export * from './page-numbers.js';
export * from './stages.js';
export * from './thresholds.js';
