import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Tests must never reach a real Azure endpoint or the default credential chain.
    env: { AZURE_CLIENT_ID: '', MSI_ENDPOINT: '', IDENTITY_ENDPOINT: '' },
  },
});
