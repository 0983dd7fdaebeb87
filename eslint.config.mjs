import js from '@eslint/js';
import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  // bin/*.mjs launchers are plain JavaScript outside every tsconfig; the typed rules cannot read them.
  { ignores: ['**/dist/**', '**/out-tsc/**', '**/node_modules/**', '.cache/**', '.nx/**', '.weft-demo/**', '**/vitest.config.ts', '**/eslint.config.mjs', 'apps/*/bin/**'] },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    plugins: { '@nx': nx },
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      // @kubernetes/client-node models are classes, but the API takes plain objects of their shape.
      '@typescript-eslint/no-unsafe-class-instance-assignment': 'off',
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // Layers of DESIGN.md, enforced: a lib depends on model and on libs earlier in the flow, never on a later one.
      '@nx/enforce-module-boundaries': [
        'error',
        {
          allow: [],
          depConstraints: [
            { sourceTag: 'layer:model', onlyDependOnLibsWithTags: ['layer:model'] },
            { sourceTag: 'layer:telemetry', onlyDependOnLibsWithTags: ['layer:model'] },
            { sourceTag: 'layer:k8s', onlyDependOnLibsWithTags: ['layer:model', 'layer:telemetry'] },
            { sourceTag: 'layer:translate', onlyDependOnLibsWithTags: ['layer:model'] },
            { sourceTag: 'layer:snapshot', onlyDependOnLibsWithTags: ['layer:model'] },
            { sourceTag: 'layer:bus', onlyDependOnLibsWithTags: ['layer:model', 'layer:snapshot', 'layer:telemetry'] },
            { sourceTag: 'layer:pki', onlyDependOnLibsWithTags: ['layer:model', 'layer:telemetry'] },
            { sourceTag: 'layer:apisix', onlyDependOnLibsWithTags: ['layer:model', 'layer:snapshot', 'layer:telemetry'] },
            { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:lib'] },
            { sourceTag: 'type:e2e', onlyDependOnLibsWithTags: ['type:lib'] },
            // Benchmarks measure the real pieces: the apps' classes and the harness's real servers.
            { sourceTag: 'type:bench', onlyDependOnLibsWithTags: ['type:lib', 'type:app', 'type:e2e'] },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.test.ts'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off' },
  },
);
