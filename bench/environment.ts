import { execFileSync } from 'node:child_process';
import { cpus, platform, release, totalmem, availableParallelism } from 'node:os';
import { VERSION } from '../crawler/version.js';
import { CRAWLER_NODE_FLAGS } from './crawler-flags.js';
import type { Environment } from './result.js';

const CI_PROVIDERS: ReadonlyArray<[variable: string, name: string]> = [
  ['GITHUB_ACTIONS', 'github-actions'],
  ['GITLAB_CI', 'gitlab-ci'],
  ['CIRCLECI', 'circleci'],
  ['BUILDKITE', 'buildkite'],
  ['JENKINS_URL', 'jenkins'],
  ['TRAVIS', 'travis'],
  ['TF_BUILD', 'azure-pipelines'],
];

/** The CI provider named by the environment, `ci` for an unnamed one, or null outside CI. */
export function detectCi(env: Readonly<Record<string, string | undefined>>): string | null {
  for (const [variable, name] of CI_PROVIDERS) if (env[variable]) return name;
  return env.CI && env.CI !== 'false' && env.CI !== '0' ? 'ci' : null;
}

function gitCommit(cwd: string): string | null {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], {
      cwd,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return null;
  }
}

/** Which build of a bench an environment describes. */
export interface BuildIdentity {
  /** `base`, the other checkout of an A/B bench, is not the commit CI names (`GITHUB_SHA`). */
  readonly role: 'base' | 'head';
  /** The crawlbench version the build's runner greeted with (default: this one's). */
  readonly version?: string;
}

/**
 * What the bench ran on, for the report's header and for `compare`'s sanity check. `cwd` is the
 * build's checkout, whose git commit is recorded (CI's `GITHUB_SHA` for the head build).
 */
export function describeEnvironment(
  env: Readonly<Record<string, string | undefined>>,
  cwd: string,
  build: BuildIdentity = { role: 'head' },
): Environment {
  return {
    crawlbenchVersion: build.version ?? VERSION,
    gitCommit: (build.role === 'head' ? env.GITHUB_SHA : undefined) ?? gitCommit(cwd),
    node: process.version,
    os: `${platform()} ${release()}`,
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    cores: availableParallelism(),
    memoryBytes: totalmem(),
    ci: detectCi(env),
    crawlerNodeFlags: [...CRAWLER_NODE_FLAGS],
  };
}
