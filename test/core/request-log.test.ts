import { describe, expect, it } from 'vitest';
import { describeRequestUrl } from '../../src/azure/request-log.js';

describe('--verbose request lines', () => {
  it('keep the path and api-version and drop every other query parameter, SAS signatures included', () => {
    expect(describeRequestUrl('https://management.azure.com/subscriptions/s/resourcegroups/rg?api-version=2025-04-01&$expand=x')).toBe('management.azure.com/subscriptions/s/resourcegroups/rg?api-version=2025-04-01');
    expect(describeRequestUrl('https://acct.blob.core.windows.net/c/setup.exe?sv=2024&sig=SECRETSIG')).toBe('acct.blob.core.windows.net/c/setup.exe');
  });
});
