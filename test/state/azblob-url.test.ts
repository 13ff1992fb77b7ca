/** Where a shared state is: the azblob:// URL and the config's `state` section, checked before anything is sent. */
import { describe, expect, it } from 'vitest';
import { formatAzblobUrl, parseAzblobUrl } from '../../src/config/azblob-url.js';
import { validateConfig } from '../../src/config/load.js';

describe('azblob:// locations', () => {
  it('parses account, container and an optional prefix, and writes them back the same', () => {
    expect(parseAzblobUrl('azblob://qlikstate/deployments', '--state')).toEqual({ account: 'qlikstate', container: 'deployments', prefix: '' });
    expect(parseAzblobUrl('azblob://qlikstate/deployments/team-a/eu/', '--state')).toEqual({ account: 'qlikstate', container: 'deployments', prefix: 'team-a/eu' });
    expect(formatAzblobUrl(parseAzblobUrl('azblob://qlikstate/deployments/team-a', '--state'))).toBe('azblob://qlikstate/deployments/team-a');
  });

  it.each([
    ['https://qlikstate.blob.core.windows.net/deployments', /is not an azblob:\/\/ URL/],
    ['azblob://QlikState/deployments', /names storage account 'QlikState'; account names are 3-24 lowercase letters and digits/],
    ['azblob://qlikstate/Deploy_ments', /names container 'Deploy_ments'; container names are 3-63 lowercase/],
    ['azblob://qlikstate/deployments/../other', /has prefix part '\.\.'/],
    ['azblob://qlikstate/deployments?sv=2024-01-01&sig=abc', /credentials never go in the URL/],
  ])('refuses %s, naming the part and the fix', (url, problem) => {
    expect(() => parseAzblobUrl(url, '--state')).toThrow(problem);
    expect(() => parseAzblobUrl(url, '--state')).toThrow(/--state: .*Fix: write azblob:\/\/<storage account>\/<container>\[\/<prefix>\]/);
  });

  it('never repeats a SAS given in the URL', () => {
    expect(() => parseAzblobUrl('azblob://qlikstate/deployments?sig=Secret-Signature-123', '--state')).toThrow(expect.objectContaining({ message: expect.not.stringContaining('Secret-Signature-123') }));
  });
});

describe('the config\'s state section', () => {
  const base = { deployment: 'qlik-team', location: 'westeurope', network: { allowedSourceCidrs: ['203.0.113.0/24'] } };
  it('is local files by default', () => {
    expect(validateConfig(base, {}, 'qlik-azure.yaml').state).toEqual({ backend: 'local' });
  });

  it('takes backend azblob with its url', () => {
    expect(validateConfig({ ...base, state: { backend: 'azblob', url: 'azblob://qlikstate/deployments' } }, {}, 'qlik-azure.yaml').state).toEqual({ backend: 'azblob', url: 'azblob://qlikstate/deployments' });
  });

  it('names state.url when azblob has none, or a bad one', () => {
    expect(() => validateConfig({ ...base, state: { backend: 'azblob' } }, {}, 'qlik-azure.yaml')).toThrow(/state\.url: is required with backend: azblob/);
    expect(() => validateConfig({ ...base, state: { backend: 'azblob', url: 'azblob://x/deployments' } }, {}, 'qlik-azure.yaml')).toThrow(/state\.url: 'azblob:\/\/x\/deployments' names storage account 'x'/);
  });
});
