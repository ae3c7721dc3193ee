/** Parsing of `Content-Type` values and HTML sniffing, shared by the fetch and decode steps. */

const HTML_MEDIA_TYPES = new Set(['text/html', 'application/xhtml+xml']);

/** The lower-cased media type (`text/html`) of a `Content-Type` value, or null when absent or empty. */
export function mediaTypeOf(contentType: string | null): string | null {
  if (contentType === null) return null;
  const mediaType = contentType.split(';', 1)[0]?.trim().toLowerCase() ?? '';
  return mediaType === '' ? null : mediaType;
}

export function isHtmlMediaType(mediaType: string): boolean {
  return HTML_MEDIA_TYPES.has(mediaType);
}

/** The `charset` parameter of a `Content-Type` value (unquoted, as written), or null. */
export function charsetOf(contentType: string | null): string | null {
  if (contentType === null) return null;
  const match = /;\s*charset\s*=\s*(?:"([^"]*)"|([^;\s]*))/i.exec(contentType);
  const charset = (match?.[1] ?? match?.[2] ?? '').trim();
  return charset === '' ? null : charset;
}

// What the WHATWG MIME sniffing standard calls "the HTML patterns", reduced to the ones a page
// served without a Content-Type realistically starts with. Each must be followed by a
// tag-terminating byte so that `<htmlfoo>` or `<header>` do not count.
const HTML_SIGNATURES = ['<!doctype html', '<html', '<head', '<body'].map((text) =>
  Array.from(text, (char) => char.charCodeAt(0)),
);
const WHITESPACE = new Set([0x09, 0x0a, 0x0c, 0x0d, 0x20]);
const TAG_TERMINATORS = new Set([0x20, 0x3e, 0x09, 0x0a, 0x0c, 0x0d]);

/** Whether a body served without a Content-Type looks like HTML (after a BOM and whitespace). */
export function looksLikeHtml(bytes: Uint8Array): boolean {
  let start = hasUtf8Bom(bytes) ? 3 : 0;
  while (start < bytes.length && WHITESPACE.has(bytes[start]!)) start++;
  return HTML_SIGNATURES.some((signature) => matchesAt(bytes, start, signature));
}

function hasUtf8Bom(bytes: Uint8Array): boolean {
  return bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
}

function matchesAt(bytes: Uint8Array, start: number, signature: readonly number[]): boolean {
  for (let i = 0; i < signature.length; i++) {
    const byte = bytes[start + i];
    // ASCII lower-casing: signatures are lower case, bytes may be upper case.
    if (byte === undefined || (byte >= 0x41 && byte <= 0x5a ? byte | 0x20 : byte) !== signature[i]) {
      return false;
    }
  }
  const next = bytes[start + signature.length];
  return next !== undefined && TAG_TERMINATORS.has(next);
}

/**
 * The compression format whose signature starts `bytes` (gzip: 1f 8b 08; zstd: 28 b5 2f fd), or null.
 * An HTML body that still starts with one after its `Content-Encoding` was undone was compressed
 * once more than the headers say (or sent as text/html with no `Content-Encoding` at all). Only
 * these signatures count, not "binary-looking" bytes in general: real pages do carry a stray NUL or
 * control byte, and UTF-16 pages are full of NULs, and the HTML parser copes with both.
 */
export function compressionSignatureOf(bytes: Uint8Array): 'gzip' | 'zstd' | null {
  if (bytes[0] === 0x1f && bytes[1] === 0x8b && bytes[2] === 0x08) return 'gzip';
  if (bytes[0] === 0x28 && bytes[1] === 0xb5 && bytes[2] === 0x2f && bytes[3] === 0xfd) return 'zstd';
  return null;
}
