import { isUtf8 } from 'node:buffer';
import { createRequire } from 'node:module';
import type { decodeBuffer as DecodeBuffer } from 'encoding-sniffer';
import { charsetOf } from './content-type.js';

const require = createRequire(import.meta.url);
let sniffingDecoder: typeof DecodeBuffer | undefined;

/** encoding-sniffer with iconv-lite, loaded on the first page that needs them (about 25 ms). */
function decodeBuffer(...args: Parameters<typeof DecodeBuffer>): string {
  sniffingDecoder ??= (require('encoding-sniffer') as { decodeBuffer: typeof DecodeBuffer }).decodeBuffer;
  return sniffingDecoder(...args);
}

// The labels of UTF-8 in the WHATWG Encoding standard (https://encoding.spec.whatwg.org/#names-and-labels).
const UTF8_LABELS = new Set([
  'unicode-1-1-utf-8',
  'unicode11utf8',
  'unicode20utf8',
  'utf-8',
  'utf8',
  'x-unicode20utf8',
]);
const utf8 = new TextDecoder('utf-8');

/** Whether the body starts with a UTF-16 byte order mark, which the sniffing algorithm puts first. */
function hasUtf16Bom(body: Uint8Array): boolean {
  return (body[0] === 0xfe && body[1] === 0xff) || (body[0] === 0xff && body[1] === 0xfe);
}

/**
 * Decodes an HTML body to text, choosing the encoding like the HTML standard's encoding sniffing
 * algorithm (https://html.spec.whatwg.org/#encoding-sniffing-algorithm), which encoding-sniffer
 * implements: a BOM wins, then the `charset` of the Content-Type header, then a
 * `<meta charset>` or `<meta http-equiv="Content-Type">` in the first 1024 bytes.
 *
 * When none of these says anything, the standard falls back to a locale-dependent default
 * (windows-1252 for most locales, encoding-sniffer's default too) but allows implementations to
 * detect the encoding from the content. We use that leeway as browsers do for today's web: a body
 * that is valid UTF-8 is decoded as UTF-8, anything else as windows-1252. Pure ASCII decodes the
 * same either way.
 *
 * Labels are resolved by whatwg-encoding, which only knows the encodings iconv-lite can decode:
 * a page declaring one of the few others (ISO-2022-JP, ISO-8859-8-I, the "replacement" labels)
 * is treated as if it declared nothing.
 *
 * Never throws: bytes invalid in the chosen encoding become U+FFFD.
 */
export function decodeHtml(body: Uint8Array, contentType: string | null): string {
  const charset = charsetOf(contentType);
  // The common case, answered without the sniffer: the header says UTF-8 and no UTF-16 BOM
  // overrides it. The standard then decodes as UTF-8 whatever a <meta> says, stripping a UTF-8
  // BOM, which TextDecoder does too.
  if (charset !== null && UTF8_LABELS.has(charset.toLowerCase()) && !hasUtf16Bom(body)) {
    return utf8.decode(body);
  }
  const buffer = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  try {
    return decodeBuffer(buffer, {
      ...(charset === null ? {} : { transportLayerEncodingLabel: charset }),
      defaultEncoding: isUtf8(buffer) ? 'utf-8' : 'windows-1252',
    });
  } catch {
    // Not expected (every name the sniffer returns is one iconv-lite decodes), but a page must
    // still yield text.
    return new TextDecoder('utf-8').decode(buffer);
  }
}
