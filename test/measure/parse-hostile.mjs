// Parse time per MiB of the built-in parse on adversarial pages (the fastest of 5 parses each).
// Usage: npm run build && node test/measure/parse-hostile.mjs
import { Buffer } from 'node:buffer';
import { parseHtml } from '../../dist/crawler/parse/parse-html.js';
const IO = { links: true };
const shapes = {
  'nested unclosed <div>': (n) => '<div>'.repeat(n),
  'nested unclosed inline': (n) => '<b><i><span>'.repeat(n / 3),
  'stray close tags under deep nesting': (n) => `${'<div>'.repeat(n / 2)}${'</span>'.repeat(n / 2)}`,
  'nested <svg>': (n) => '<svg>'.repeat(n),
  'nested lists': (n) => '<ul><li>'.repeat(n / 2),
  'nested <a> with text': (n) => '<a href="/x">word '.repeat(n / 4),
  '200k links': () => '<a href="/p/1">x</a>'.repeat(200_000),
  'huge attribute': () => `<div title="${'x'.repeat(10 * 2 ** 20)}">`,
  '10 MB single line of text': () => 'word '.repeat(2 * 2 ** 20),
};
for (const [name, make] of Object.entries(shapes)) {
  const html = make(400_000);
  let best = Infinity;
  for (let r = 0; r < 5; r++) {
    const s = performance.now();
    parseHtml(html, 'http://127.0.0.1:9/', IO);
    best = Math.min(best, performance.now() - s);
  }
  const mb = Buffer.byteLength(html) / 2 ** 20;
  console.log(`${name}: ${mb.toFixed(1)} MiB, ${best.toFixed(0)} ms, ${(best / mb).toFixed(0)} ms per MiB`);
}
