import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// Entry files of child processes and worker threads: they own their process, so they may end it.
const PROCESS_ENTRIES = [
  'crawler/strategies/process-worker.ts',
  'bench/run-process.ts',
  'bench/fixture-process.ts',
  'bench/queue-worker-process.ts',
  'bench/load-generator-process.ts',
];

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/', '.scratch/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    // Plain-JavaScript modules (test fixtures: extraction code) run on Node.
    files: ['**/*.mjs', '**/*.js'],
    languageOptions: {
      globals: { process: 'readonly', console: 'readonly', URL: 'readonly', performance: 'readonly' },
    },
  },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
      'no-console': 'off',
    },
  },
  {
    // Only the CLI talks to the terminal and ends the process; the library takes what it needs
    // injected (as undici's config forbids process.exit in lib/).
    files: ['crawler/**/*.ts', 'bench/**/*.ts', 'reports/**/*.ts', 'index.ts'],
    ignores: PROCESS_ENTRIES,
    rules: {
      'no-console': 'error',
      'no-restricted-properties': [
        'error',
        {
          object: 'process',
          property: 'exit',
          message: 'Only cli/ and process entry files end the process.',
        },
        { object: 'process', property: 'argv', message: 'Only cli/ reads argv.' },
      ],
    },
  },
);
