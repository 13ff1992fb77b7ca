/** describeError: Azure's code and message, with advice a user can act on, from what the SDK throws. */
import { describe, expect, it } from 'vitest';
import { alternativeName, describeError } from '../src/azure/errors.js';
import { StepError } from '../src/engine/step.js';

/** What the SDK throws for an ARM error response: a RestError carrying the body's code. */
function restError(statusCode: number, code: string | undefined, message: string): Error {
  return Object.assign(new Error(message), { name: 'RestError', statusCode, ...(code ? { code } : {}) });
}

const lroFailure = (code: string, message: string) => new Error(`The long-running operation has failed. ${code}. ${message}`);

const QUOTA = 'Operation could not be completed as it results in exceeding approved standardDSv5Family Cores quota. Additional details - Deployment Model: Resource Manager, Location: westeurope, Current Limit: 10, Current Usage: 8, Additional Required: 4, (Minimum) New Limit Required: 12. Submit a request for Quota increase at https://aka.ms/ProdportalCRP/#blade/Microsoft_Azure_Capacity/UsageAndQuota.ReactView/Parameters/';

describe('describeError', () => {
  it('parses the quota message: family, cores needed against the limit, and sizes that fit', () => {
    const info = describeError(restError(409, 'OperationNotAllowed', QUOTA));
    expect(info.code).toBe('OperationNotAllowed');
    expect(info.advice).toContain('The VM needs 4 cores of standardDSv5Family in westeurope; the limit is 10 with 8 in use (2 free), so the limit must be at least 12');
    expect(info.advice).toContain('request an increase to 12');
    expect(info.advice).toContain('no size of standardDSv5Family fits the 2 free cores');
  });

  it('names smaller sizes when some fit, and handles QuotaExceeded the same way', () => {
    const roomy = QUOTA.replace('Current Limit: 10', 'Current Limit: 20').replace('Current Usage: 8', 'Current Usage: 10').replace('Additional Required: 4', 'Additional Required: 16');
    const info = describeError(lroFailure('QuotaExceeded', roomy));
    expect(info.code).toBe('QuotaExceeded');
    expect(info.advice).toMatch(/set vm\.size to one that fits the 10 free cores \(Standard_D4s_v5, Standard_E4s_v5, Standard_D8s_v5/);
  });

  it('gives no quota advice for an OperationNotAllowed that is not about quota', () => {
    expect(describeError(restError(409, 'OperationNotAllowed', 'The operation is not allowed on a deallocated VM.')).advice).toBeUndefined();
  });

  it('points at the sizes of the region for SkuNotAvailable', () => {
    const info = describeError(restError(409, 'SkuNotAvailable', "The requested VM size for resource 'Following SKUs have failed for Capacity Restrictions: Standard_DS3_v2' is currently not available in location 'centralus'. Please try another size."));
    expect(info.advice).toContain('az vm list-skus --location centralus --resource-type virtualMachines');
  });

  it('suggests an alternative storage account name and DNS label', () => {
    expect(describeError(restError(409, 'StorageAccountAlreadyTaken', 'The storage account named qaqlikdemo1234 is already taken.')).advice)
      .toContain(`storage.accountName to another name such as '${alternativeName('qaqlikdemo1234', 24, '')}'`);
    expect(describeError(lroFailure('DnsRecordInUse', 'DNS record qlik-demo.westeurope.cloudapp.azure.com is already used by another public IP.')).advice)
      .toContain(`network.dnsLabel to another label such as '${alternativeName('qlik-demo', 63, '-')}'`);
    expect(alternativeName('qaqlikdemo12345678901234', 24, '')).toHaveLength(24);
    expect(alternativeName('qlik-demo', 63, '-')).toMatch(/^qlik-demo-[0-9a-f]{4}$/);
  });

  it('names the role that grants the refused action', () => {
    const info = describeError(restError(403, 'AuthorizationFailed', "The client 'x' with object id 'y' does not have authorization to perform action 'Microsoft.Network/virtualNetworks/write' over scope '/subscriptions/s/resourceGroups/rg'."));
    expect(info.advice).toContain('Your identity may not perform Microsoft.Network/virtualNetworks/write. Fix: ask for Network Contributor (or Contributor)');
  });

  it('treats a 429 without a code as throttling, and exhausted retries of 5xx and resets as resumable', () => {
    expect(describeError(restError(429, undefined, 'Too many requests')).code).toBe('Throttled');
    expect(describeError(restError(500, 'InternalServerError', 'boom')).advice).toContain('qlik-azure resume');
    expect(describeError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }))).toMatchObject({ code: 'ECONNRESET', advice: expect.stringContaining('check the network') });
  });

  it('keeps a StepError as the step wrote it', () => {
    expect(describeError(new StepError('no', { code: 'X', advice: 'do this' }))).toEqual({ message: 'no', code: 'X', advice: 'do this' });
  });
});
