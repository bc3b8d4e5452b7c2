import tseslint from 'typescript-eslint';

/** Files that may not import the AWS SDK, adapters or handlers, nor what `also` names. */
const inward = (files, also) => ({
  files,
  rules: {
    'no-restricted-imports': [
      'error',
      { patterns: ['@aws-sdk/*', '**/adapters/**', '**/handlers/**', ...also] },
    ],
  },
});

export default tseslint.config(
  { ignores: ['node_modules/', '.build/', '.serverless/', 'coverage/', 'dist/'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
  {
    // The Serverless Framework loads plugins with require().
    files: ['**/*.cjs'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  // Dependencies point inward (docs/architecture.md): handlers → core → ports, events → model. Only
  // adapters (and the sandbox, which plays AWS) import the AWS SDK; nothing imports back outward.
  inward(['src/core/**/*.ts', 'src/runbooks/**/*.ts'], []),
  inward(['src/events/**/*.ts', 'src/ports/**/*.ts'], ['../core/*', '../runbooks/*']),
  inward(['src/model/**/*.ts'], ['../core/*', '../runbooks/*', '../ports/*', '../events/*']),
);
