import { defineProject } from 'vitest/config';

// End-to-end scenarios against real servers (kube-apiserver + etcd, nats-server, etcd, helm) on loopback.
// Servers come from scripts/servers/install.sh; globalSetup makes sure they are there before any test starts.
export default defineProject({
  resolve: { conditions: ['development'] },
  ssr: { resolve: { conditions: ['development'] } },
  test: {
    name: 'e2e',
    include: ['src/**/*.test.ts'],
    environment: 'node',
    globalSetup: ['src/harness/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Each file boots its own servers; two cores run two files at a time at most.
    maxWorkers: 2,
    // Unit projects run first (group 0), then the e2e scenarios with their own worker count.
    sequence: { groupOrder: 1 },
  },
});
