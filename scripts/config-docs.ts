// Regenerates the reference part of docs/configuration.md from the config schema.
import { readFileSync, writeFileSync } from 'node:fs';
import { configReferenceMarkdown } from '../src/config/docs-table.js';

const file = new URL('../docs/configuration.md', import.meta.url);
const BEGIN = '<!-- BEGIN GENERATED: npm run docs:config -->';
const END = '<!-- END GENERATED -->';
const doc = readFileSync(file, 'utf8');
const start = doc.indexOf(BEGIN);
const end = doc.indexOf(END);
if (start === -1 || end === -1)
  throw new Error(`docs/configuration.md needs the markers ${BEGIN} and ${END}`);
writeFileSync(
  file,
  `${doc.slice(0, start + BEGIN.length)}\n\n${configReferenceMarkdown()}\n${doc.slice(end)}`,
);
