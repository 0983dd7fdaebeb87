import { defineProject } from 'vitest/config';

export default defineProject({
  resolve: { conditions: ['development'] },
  ssr: { resolve: { conditions: ['development'] } },
  test: {
    name: 'cert-manager-bridge',
    include: ['src/**/*.test.ts'],
    environment: 'node',
  },
});
