import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Tests must never reach a real Azure endpoint or the default credential chain.
    // Nor the public Azure Retail Prices API: the cost estimate's test seam points at a port fetch refuses to
    // use, so every estimate is omitted unless a test starts the loopback stand-in (src/simulator/retail-prices.ts).
    env: { AZURE_CLIENT_ID: '', MSI_ENDPOINT: '', IDENTITY_ENDPOINT: '', QLIK_AZURE_RETAIL_PRICES_URL: 'http://127.0.0.1:9/api/retail/prices' },
  },
});
