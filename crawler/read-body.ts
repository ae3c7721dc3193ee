import type { Readable } from 'node:stream';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  createBrotliDecompress,
  createGunzip,
  createInflate,
  createInflateRaw,
  type Inflate,
  type InflateRaw,
} from 'node:zlib';

/** The body of a response, decompressed and counted, or the news that it went over the cap. */
export type BodyResult =
  | { readonly kind: 'complete'; readonly bytes: number; readonly body: Buffer | null }
  | { readonly kind: 'too-large'; readonly bytes: number };

export interface ReadBodyOptions {
  /** The `Content-Encoding` header, or null. */
  readonly contentEncoding: string | null;
  /** Cap on the decompressed size; going over it stops reading at once. */
  readonly maxBytes: number;
  /** Keep the bytes (HTML) or only count them (everything else). */
  readonly keep: boolean;
}

/** Thrown for a `Content-Encoding` we cannot undo; its code makes it a DECODE_ERROR. */
export class UnsupportedEncodingError extends Error {
  readonly code = 'ERR_ZLIB_UNSUPPORTED_ENCODING';
}

/**
 * Reads a response body through the decoders its `Content-Encoding` asks for, counting bytes
 * after decompression. Memory stays bounded by about `maxBytes`: the sink throws as soon as the
 * count goes over, which makes the pipeline destroy the decoders and the response, so a
 * decompression bomb is never inflated past the cap. Rejects with the stream's error otherwise.
 * No signal of its own: the request's abort signal destroys `body`, which ends the read.
 */
export async function readBody(body: Readable, options: ReadBodyOptions): Promise<BodyResult> {
  let decoder: Transform | null;
  try {
    decoder = createDecoder(options.contentEncoding);
  } catch (error) {
    // Nobody will read this body: close it now rather than leave the connection hanging.
    body.on('error', () => {}).destroy();
    throw error;
  }
  if (decoder === null) return readPlain(body, options);
  const chunks: Buffer[] = [];
  let bytes = 0;
  let tooLarge = false;
  const sink = async (source: AsyncIterable<Buffer>): Promise<void> => {
    for await (const chunk of source) {
      bytes += chunk.length;
      if (bytes > options.maxBytes) {
        tooLarge = true;
        // Throwing makes the pipeline destroy the decoder and the response.
        throw new Error('body too large');
      }
      if (options.keep) chunks.push(chunk);
    }
  };
  try {
    await pipeline(body, decoder, sink);
  } catch (error) {
    // Checked by flag: with a transform in between, the pipeline rejects with an AbortError of
    // its own instead of our error (https://github.com/nodejs/node/issues/62089).
    if (tooLarge) return { kind: 'too-large', bytes: options.maxBytes };
    throw error;
  }
  return { kind: 'complete', bytes, body: options.keep ? Buffer.concat(chunks, bytes) : null };
}

/**
 * Reads a body that needs no decoding, the common case, with plain listeners: the pipeline and
 * async-iterator machinery cost a measurable share of each small page. Destroys the body the
 * moment it goes over the cap.
 */
function readPlain(body: Readable, options: ReadBodyOptions): Promise<BodyResult> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let bytes = 0;
    let tooLarge = false;
    body.on('data', (chunk: Buffer) => {
      if (tooLarge) return;
      bytes += chunk.length;
      if (bytes > options.maxBytes) {
        tooLarge = true;
        resolve({ kind: 'too-large', bytes: options.maxBytes });
        body.destroy();
      } else if (options.keep) {
        chunks.push(chunk);
      }
    });
    body.once('end', () => {
      resolve({ kind: 'complete', bytes, body: options.keep ? Buffer.concat(chunks, bytes) : null });
    });
    body.once('error', reject);
    body.once('close', () => {
      // Settled already, unless the body was destroyed without an error before its end.
      if (!body.readableEnded) reject(prematureClose());
    });
  });
}

function prematureClose(): Error {
  return Object.assign(new Error('Premature close'), { code: 'ERR_STREAM_PREMATURE_CLOSE' });
}

/**
 * The decoder of a `Content-Encoding`, or null for none. Stacked codings (`gzip, br`) are allowed
 * by RFC 9110 but not seen in practice, so they are reported as unsupported rather than handled.
 */
function createDecoder(contentEncoding: string | null): Transform | null {
  const codings = (contentEncoding ?? '')
    .split(',')
    .map((coding) => coding.trim().toLowerCase())
    .filter((coding) => coding !== '' && coding !== 'identity');
  if (codings.length === 0) return null;
  switch (codings.length === 1 ? codings[0] : codings.join(', ')) {
    case 'gzip':
    case 'x-gzip':
      return createGunzip();
    case 'deflate':
      return new DeflateDecoder();
    case 'br':
      return createBrotliDecompress();
    default:
      throw new UnsupportedEncodingError(`unsupported content-encoding "${contentEncoding}"`);
  }
}

/**
 * Inflates `deflate` bodies. HTTP says they are zlib-wrapped (RFC 1950), but some servers send raw
 * deflate (RFC 1951), so the first bytes decide, as browsers and curl do.
 */
class DeflateDecoder extends Transform {
  #inflate: Inflate | InflateRaw | null = null;
  #pendingWrite: TransformCallback | null = null;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.#inflate ??= this.#start(chunk);
    if (this.#inflate.write(chunk)) callback();
    else this.#pendingWrite = callback;
  }

  override _flush(callback: TransformCallback): void {
    const inflate = this.#inflate;
    if (inflate === null) {
      callback();
      return;
    }
    inflate.once('end', () => callback());
    inflate.end();
  }

  override _read(size: number): void {
    // The consumer wants more: let the inner inflater produce again (see the `data` handler).
    this.#inflate?.resume();
    super._read(size);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.#inflate?.destroy();
    callback(error);
  }

  #start(firstChunk: Buffer): Inflate | InflateRaw {
    const inflate = isZlibHeader(firstChunk) ? createInflate() : createInflateRaw();
    inflate.on('data', (data: Buffer) => {
      // Backpressure: stop inflating while our reader has enough; `_read` resumes it.
      if (!this.push(data)) inflate.pause();
    });
    inflate.on('drain', () => {
      const callback = this.#pendingWrite;
      this.#pendingWrite = null;
      callback?.();
    });
    inflate.on('error', (error) => this.destroy(error));
    return inflate;
  }
}

/** A zlib header: compression method 8 in the low nibble and a header checksum divisible by 31. */
function isZlibHeader(chunk: Buffer): boolean {
  const cmf = chunk[0];
  if (cmf === undefined || (cmf & 0x0f) !== 8 || cmf >> 4 > 7) return false;
  const flg = chunk[1];
  return flg === undefined || (cmf * 256 + flg) % 31 === 0;
}
