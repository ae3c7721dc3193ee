import type { CheerioAPI } from 'cheerio';
import type { JsonValue, ParseResult } from '../types.js';

/** What extraction code gets for each HTML page a crawl fetched. */
export interface ExtractPage {
  /** The URL as the task had it (the list's line, or the normalized link). */
  readonly url: string;
  /** The URL of the last response, after redirects. */
  readonly finalUrl: string;
  readonly status: number;
  /** Response headers, names lower-cased. */
  readonly headers: Readonly<Record<string, string | readonly string[]>>;
  /** The page's text, decoded as a browser would (BOM, Content-Type charset, `<meta charset>`). */
  readonly html: string;
  /** Links followed from a seed to reach it (0 for the list's URLs). */
  readonly depth: number;
  /** The page that first linked to it, or null. */
  readonly referrer: string | null;
  /** crawlbench's built-in fields (title, links, ...), or null when the crawl runs with `parse: false`. */
  readonly parse: ParseResult | null;
  /**
   * A cheerio API on the page, built on first use. Reading it before `parse` lets one parse build
   * both (and, once a page asked for it, later pages build both at once anyway).
   */
  readonly $: CheerioAPI;
}

/**
 * Extraction code: called once per HTML page, on whatever thread or process parses it; may be
 * async. What it returns lands in the record as `data` (JSON only; `undefined` for nothing).
 */
export type ExtractFunction = (page: ExtractPage) => unknown;

/** The shape of an extraction module (`crawl --extract ./extract.mjs`): an ES module exporting `extract`. */
export interface ExtractModule {
  readonly extract: ExtractFunction;
}

/** An extraction module as the workers load it: where it is, and what it holds. */
export interface ExtractSpec {
  /** The module's file URL. */
  readonly url: string;
  /** SHA-256 (hex) of the module file: a distributed worker runs a task only with the same module. */
  readonly hash: string;
}

export type { JsonValue };
