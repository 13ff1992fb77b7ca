/** The words a user acts on: the resume command carries the flags they gave; answers are checked by the schema. */
import { describe, expect, it } from 'vitest';
import { resumeCommandFor } from '../../src/cli/output.js';
import { checkAnswer } from '../../src/cli/wizard/draft.js';
import { standalone } from '../../src/config/errors.js';
import { checkSecret } from '../../src/config/secret-sources.js';
import { counted } from '../../src/config/words.js';
import type { Output } from '../../src/cli/output.js';
import { runCounts } from '../../src/cli/plan-view.js';
import { createStyle } from '../../src/cli/style.js';
import { printRunSummary, underHowToFix } from '../../src/cli/summary.js';

describe('resume command', () => {
  it('repeats the flags that choose the deployment, leaves defaults out, quotes when needed', () => {
    expect(resumeCommandFor({ stateDir: '.qlik-azure', auth: 'cli', cloud: 'AzureCloud' })).toBe('qlik-azure resume');
    expect(resumeCommandFor({ config: 'my config.yaml', secretsFile: 's.yaml', stateDir: 'state', auth: 'device-code', cloud: 'AzureCloud', simulate: true }))
      .toBe("qlik-azure resume --config 'my config.yaml' --secrets-file s.yaml --state-dir state --auth device-code --simulate");
  });
});

describe('answers checked by the config schema', () => {
  const draft = { deployment: 'qlik-ux', location: 'westeurope', network: { allowedSourceCidrs: ['203.0.113.0/24'] } };

  it('a field rule, with its fix', () => {
    expect(checkAnswer(draft, ['vm', 'computerName'], 'qlik-central-node-01')).toMatch(/^'qlik-central-node-01' has 20 characters; .* Fix: /);
    expect(checkAnswer(draft, ['vm', 'computerName'], 'qlikcentral')).toBeUndefined();
  });

  it('a cross-field rule: RDP from anywhere is refused', () => {
    const withRdp = { ...draft, network: { ...draft.network, rdp: { enabled: true } } };
    expect(checkAnswer(withRdp, ['network', 'rdp', 'sourceCidrs'], ['*'])).toMatch(/would open RDP to the whole internet/);
    expect(checkAnswer(withRdp, ['network', 'rdp', 'sourceCidrs'], [])).toMatch(/RDP is enabled but no source address/);
  });

  it('a plain type check gets the question\'s fix', () => {
    const asking = { ...draft, qlik: { installer: { source: 'url' } } };
    expect(checkAnswer(asking, ['qlik', 'installer', 'sha256'], 'abc', 'paste the 64-character checksum')).toMatch(/\. Fix: paste the 64-character checksum$/);
    expect(checkAnswer(asking, ['qlik', 'installer', 'url'], 'https://example.com/setup.exe', 'paste the whole link')).toBeUndefined();
  });

  it('an installer link must be https://, in the wizard as in the config: http:// is refused too', () => {
    const asking = { ...draft, qlik: { installer: { source: 'url' } } };
    for (const link of ['http://example.com/setup.exe', 'ftp://example.com/setup.exe']) {
      expect(checkAnswer(asking, ['qlik', 'installer', 'url'], link, 'paste the whole link')).toMatch(/^qlik\.installer\.url is not an https:\/\/ link\. Fix: use the https:\/\/ download link/);
    }
  });

  it('a source range with host bits is refused with the range it likely means, by the same rule as the config', () => {
    expect(checkAnswer(draft, ['network', 'allowedSourceCidrs'], ['203.0.113.5/24'])).toBe("'203.0.113.5/24' has host bits set: did you mean '203.0.113.0/24'? Fix: write the range by its first address, '203.0.113.0/24'");
    expect(checkAnswer(draft, ['network', 'allowedSourceCidrs'], ['203.0.113.0/24', '198.51.100.7'])).toBeUndefined();
  });
});

describe('wording slips (issue 13 item 11)', () => {
  it('an inline error says what it is about: never "> is empty. Fix:"', () => {
    expect(standalone('the password', checkSecret('vmAdminPassword', ''))).toBe('the password is empty. Fix: supply a value');
    expect(checkAnswer({ deployment: 'qlik-ux' }, ['qlik', 'localUsers', 'count'], 'three')).toMatch(/^qlik\.localUsers\.count must be a number/);
    expect(standalone('the password', "'x' has 1 character")).toBe("'x' has 1 character");
  });

  it('counts agree with their nouns', () => {
    expect([counted(1, 'step'), counted(2, 'step'), counted(0, 'check')]).toEqual(['1 step', '2 steps', '0 checks']);
  });

  it('a plan of one check says "1 check"', () => {
    expect(runCounts({ create: 1, update: 0, unchanged: 0, checks: 1, unknown: 0, other: 46, hasChanges: true })).toBe('1 to create, 0 to update, 0 unchanged, 1 check');
  });

  it('advice that starts with "Fix:" is not printed as "how to fix: Fix:"', () => {
    const lines: string[] = [];
    const output: Output = {
      style: createStyle(false), json: false, interactive: false, verbose: false, invocation: {}, resumeCommand: 'qlik-azure resume',
      line: (text = '') => { lines.push(text); }, warn: () => undefined, error: () => undefined, data: () => undefined,
    };
    const summary = { deployment: 'd', resourceGroup: 'rg-d', ok: false, simulated: false, interrupted: false, finished: [], blocked: [], notStarted: [], qlikAdministrator: 'd\\QSAdmin', accounts: [], secrets: [], secretsLiveIn: 's.yaml', next: [],
      failed: [{ step: 13 as const, title: 'Storage account', message: 'taken', advice: 'Fix: choose another storage.accountName' }] };
    printRunSummary(output, summary);
    expect(lines).toContain('  how to fix: choose another storage.accountName');
  });

  it('advice with its reason before "Fix:" does not repeat the word under "how to fix:" either', () => {
    expect(underHowToFix('Another change may have raced it. Fix: run `qlik-azure resume`')).toBe('Another change may have raced it. Run `qlik-azure resume`');
    expect(underHowToFix('Fix: set vm.size')).toBe('set vm.size');
  });
});
