import { readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, totalmem } from 'node:os';
import { join, resolve } from 'node:path';

/** The benchmarks document whose current tables the bench commands write. */
export const BENCHMARKS_DOC = join(resolve(__dirname, '../../../..'), 'docs/benchmarks.md');

/** When and where a run measured: the line that heads each region it writes. */
export interface RunFacts {
  date: string;
  machine: string;
  command: string;
}

export function thisMachine(): string {
  return `${availableParallelism()} cores, ${cpus()[0]?.model?.trim() ?? 'unknown CPU'}, ${Math.round(totalmem() / 2 ** 30)} GB, Node ${process.versions.node}`;
}

const start = (region: string) => `<!-- bench:${region} -->`;
const end = (region: string) => `<!-- /bench:${region} -->`;

/** The body's headings sit below the document's own section (##) and subsection (###) levels. */
const demoteHeadings = (markdown: string) => markdown.replace(/^(#{1,4}) /gm, (_, hashes: string) => `${'#'.repeat(Math.min(hashes.length + 2, 6))} `);

/**
 * The document with one marked region's content replaced by a run's tables, headed by the run's date, machine and
 * command. A region the document does not have yet is added at its end, so a new kind of run is never lost.
 */
export function replaceRegion(document: string, region: string, body: string, run: RunFacts): string {
  const content = `${start(region)}\n_Written by \`${run.command}\` on ${run.date}: ${run.machine}._\n\n${demoteHeadings(body.trim())}\n${end(region)}`;
  const from = document.indexOf(start(region));
  const to = document.indexOf(end(region));
  if (from === -1 || to < from) return `${document.trimEnd()}\n\n${content}\n`;
  return document.slice(0, from) + content + document.slice(to + end(region).length);
}

/** Writes a run's tables into their region of docs/benchmarks.md; returns the file written. */
export function writeBenchmarksRegion(region: string, body: string, run: RunFacts, file: string = BENCHMARKS_DOC): string {
  writeFileSync(file, replaceRegion(readFileSync(file, 'utf8'), region, body, run));
  return file;
}
