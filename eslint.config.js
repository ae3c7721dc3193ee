import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/', '.scratch/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
      'no-console': 'off',
    },
  },
  {
    // Only the CLI talks to the terminal and the process; the library takes what it needs injected.
    files: ['crawler/**/*.ts', 'bench/**/*.ts', 'reports/**/*.ts', 'index.ts'],
    ignores: ['crawler/strategies/process-worker.ts'],
    rules: { 'no-console': 'error' },
  },
);
