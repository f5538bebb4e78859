import { resolve } from 'node:path';
import { generateSampleBook } from './generate.js';

const out = resolve(process.argv[2] ?? 'sample-book.pdf');
const { path, pages } = await generateSampleBook(out);
console.log(`Wrote ${pages} pages to ${path}`);
