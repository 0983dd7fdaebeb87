// The root rules, plus: bin/ holds the plain-JS launcher, outside every tsconfig, so it is linted without types.
import tseslint from 'typescript-eslint';
import root from '../../eslint.config.mjs';

export default tseslint.config(...root, {
  files: ['bin/**/*.mjs'],
  ...tseslint.configs.disableTypeChecked,
  languageOptions: { ...tseslint.configs.disableTypeChecked.languageOptions, globals: { process: 'readonly', URL: 'readonly' } },
});
