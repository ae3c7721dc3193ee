// An extraction module for `crawlbench crawl --extract examples/extract.mjs` (and `bench --extract`):
// it runs on every HTML page, wherever the strategy parses it (main thread, worker thread, child
// process, distributed worker), and what it returns becomes the record's `data`.
// @ts-check

/** @type {import('crawlbench').ExtractFunction} */
export function extract({ $, parse, status }) {
  if (status !== 200) return undefined; // no `data` on this record
  const paragraphs = $('main p');
  return {
    heading: $('h1').first().text().trim(),
    paragraphs: paragraphs.length,
    firstWords: paragraphs.first().text().split(/\s+/).slice(0, 4).join(' '),
    // crawlbench's own fields are there too (null with --no-parse).
    links: parse?.links.length ?? null,
  };
}
