import { isUtf8 } from 'node:buffer';
import { decodeBuffer } from 'encoding-sniffer';
import { charsetOf } from './content-type.js';

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
  const buffer = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  const charset = charsetOf(contentType);
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
