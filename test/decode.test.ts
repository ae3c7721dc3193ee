import { decodeBuffer } from 'encoding-sniffer';
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { charsetOf, looksLikeHtml } from '../dist/crawler/content-type.js';
import { decodeHtml } from '../dist/crawler/decode.js';

const CHINESE = '中文测试：你好，世界！';
const TRADITIONAL = '繁體中文測試：臺灣';
const JAPANESE = '日本語のテキスト、カタカナ';

function page(text: string, head = ''): string {
  return `<!doctype html><html><head>${head}<title>t</title></head><body><p>${text}</p></body></html>`;
}

function encode(text: string, encoding: string): Uint8Array {
  return new Uint8Array(iconv.encode(text, encoding));
}

describe('decodeHtml', () => {
  it('decodes GBK named only by the Content-Type header', () => {
    const body = encode(page(CHINESE), 'gbk');
    expect(decodeHtml(body, 'text/html; charset=GBK')).toContain(CHINESE);
  });

  it('decodes GBK named only by <meta charset>', () => {
    const body = encode(page(CHINESE, '<meta charset="gbk">'), 'gbk');
    expect(decodeHtml(body, 'text/html')).toContain(CHINESE);
    expect(decodeHtml(body, null)).toContain(CHINESE);
  });

  it('decodes gb2312 named by <meta http-equiv="Content-Type">', () => {
    const head = '<meta http-equiv="Content-Type" content="text/html; charset=gb2312">';
    const body = encode(page(CHINESE, head), 'gbk');
    expect(decodeHtml(body, 'text/html')).toContain(CHINESE);
  });

  it('decodes GB18030, including characters outside GBK', () => {
    // U+20BB7 needs GB18030's four-byte sequences.
    const text = `${CHINESE} 𠮷 €`;
    const body = encode(page(text), 'gb18030');
    expect(decodeHtml(body, 'text/html; charset=gb18030')).toContain(text);
  });

  it('decodes Big5', () => {
    const body = encode(page(TRADITIONAL, '<meta charset="big5">'), 'big5');
    expect(decodeHtml(body, 'text/html')).toContain(TRADITIONAL);
  });

  it('decodes Shift_JIS from the header (quoted) and from <meta>', () => {
    const body = encode(page(JAPANESE), 'shift_jis');
    expect(decodeHtml(body, 'text/html; charset="Shift_JIS"')).toContain(JAPANESE);
    const withMeta = encode(page(JAPANESE, '<meta charset="shift_jis">'), 'shift_jis');
    expect(decodeHtml(withMeta, 'text/html')).toContain(JAPANESE);
  });

  it('lets a UTF-8 BOM override a wrong header charset', () => {
    const body = new Uint8Array(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(page(CHINESE))]));
    const text = decodeHtml(body, 'text/html; charset=iso-8859-1');
    expect(text).toContain(CHINESE);
    expect(text.startsWith('<!doctype')).toBe(true);
  });

  it('lets the header charset win over <meta>', () => {
    const body = encode(page(CHINESE, '<meta charset="utf-8">'), 'gbk');
    expect(decodeHtml(body, 'text/html; charset=gbk')).toContain(CHINESE);
  });

  it('skips an unknown header label and uses <meta>', () => {
    const body = encode(page(JAPANESE, '<meta charset="shift_jis">'), 'shift_jis');
    expect(decodeHtml(body, 'text/html; charset=no-such-charset')).toContain(JAPANESE);
  });

  it('decodes undeclared valid UTF-8 as UTF-8', () => {
    const text = `café naïve — ${CHINESE}`;
    expect(decodeHtml(new TextEncoder().encode(page(text)), 'text/html')).toContain(text);
    expect(decodeHtml(new TextEncoder().encode(page(text)), null)).toContain(text);
  });

  it('decodes undeclared non-UTF-8 bytes as windows-1252', () => {
    // 0x80 is the euro sign in windows-1252 (a control character in ISO-8859-1).
    const body = new Uint8Array([...Buffer.from('<p>caf'), 0xe9, 0x20, 0x80, ...Buffer.from('</p>')]);
    expect(decodeHtml(body, 'text/html')).toBe('<p>café €</p>');
  });

  it('decodes a view into a larger buffer', () => {
    const whole = Buffer.concat([Buffer.from('JUNK'), Buffer.from(page(CHINESE)), Buffer.from('JUNK')]);
    const view = new Uint8Array(whole.buffer, whole.byteOffset + 4, whole.length - 8);
    expect(decodeHtml(view, null)).toBe(page(CHINESE));
  });

  it('treats a declared encoding iconv-lite lacks as undeclared', () => {
    // ISO-2022-JP is pure 7-bit, so the UTF-8 default shows its escape sequences as they are.
    const jis = [0x1b, 0x24, 0x42, 0x46, 0x7c, 0x4b, 0x5c, 0x1b, 0x28, 0x42];
    const body = new Uint8Array([...Buffer.from('<p>'), ...jis, ...Buffer.from('</p>')]);
    expect(decodeHtml(body, 'text/html; charset=iso-2022-jp')).toBe(`<p>${String.fromCharCode(...jis)}</p>`);
  });

  it('decodes a body whose header says UTF-8 exactly as the sniffer does', () => {
    // decodeHtml answers these without encoding-sniffer; the sniffer itself is the reference.
    const utf16 = (text: string, bom: number[]): Uint8Array =>
      new Uint8Array([...bom, ...Buffer.from(text, bom[0] === 0xff ? 'utf16le' : 'latin1')]);
    const bodies: Uint8Array[] = [
      new TextEncoder().encode(page(CHINESE)),
      new TextEncoder().encode(page(CHINESE, '<meta charset="gbk">')), // the header wins over <meta>
      new Uint8Array([0xef, 0xbb, 0xbf, ...new TextEncoder().encode(page(JAPANESE))]), // a UTF-8 BOM is dropped
      new Uint8Array([...Buffer.from('<p>a'), 0xff, 0xc3, 0x28, 0xe2, 0x82, ...Buffer.from('b</p>')]), // invalid bytes
      utf16('<p>caf\u00e9</p>', [0xff, 0xfe]), // a UTF-16 BOM wins over the header
      new Uint8Array(0),
    ];
    for (const label of ['utf-8', 'UTF-8', 'utf8', 'unicode-1-1-utf-8']) {
      for (const body of bodies) {
        const reference = decodeBuffer(Buffer.from(body), { transportLayerEncodingLabel: label });
        expect(decodeHtml(body, `text/html; charset=${label}`)).toBe(reference);
      }
    }
    expect(decodeHtml(utf16('<p>caf\u00e9</p>', [0xff, 0xfe]), 'text/html; charset=utf-8')).toBe(
      '<p>café</p>',
    );
  });

  it('never throws, even for encodings nobody can decode', () => {
    const body = new Uint8Array([0x3c, 0x70, 0x3e, 0xff, 0xfe, 0x00, 0x80]);
    expect(typeof decodeHtml(body, 'text/html; charset=iso-2022-kr')).toBe('string');
    expect(typeof decodeHtml(body, 'text/html; charset=x-user-defined')).toBe('string');
    expect(decodeHtml(new Uint8Array(0), null)).toBe('');
  });
});

describe('content-type helpers', () => {
  it.each([
    ['text/html; charset=UTF-8', 'UTF-8'],
    ['text/html;charset="gbk"', 'gbk'],
    ['text/html; foo=bar; CHARSET = big5 ', 'big5'],
    ['text/html', null],
    ['text/html; charset=', null],
    [null, null],
  ])('charsetOf(%j) is %j', (contentType, charset) => {
    expect(charsetOf(contentType)).toBe(charset);
  });

  it.each([
    ['<!DOCTYPE html>', true],
    ['\ufeff\n  <html lang="en">', true],
    ['<HEAD>', true],
    ['<body class=x>', true],
    ['<header>', false],
    ['<htmlx>', false],
    ['{"json": true}', false],
    ['', false],
  ])('looksLikeHtml(%j) is %j', (text, expected) => {
    expect(looksLikeHtml(new TextEncoder().encode(text))).toBe(expected);
  });
});
