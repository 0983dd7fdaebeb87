import { defineConfig } from 'vitest/config';

// One vitest run covers every project: each lib and app (unit tests beside the code) and e2e/ (real servers).
export default defineConfig({
  test: {
    projects: ['libs/*', 'apps/*', 'e2e'],
  },
});
