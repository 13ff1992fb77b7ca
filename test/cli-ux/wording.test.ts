/** The words a user acts on: the resume command carries the flags they gave; answers are checked by the schema. */
import { describe, expect, it } from 'vitest';
import { resumeCommandFor } from '../../src/cli/output.js';
import { checkAnswer } from '../../src/cli/wizard/draft.js';
import type { Output } from '../../src/cli/output.js';
import { runCounts } from '../../src/cli/plan-view.js';
import { createStyle } from '../../src/cli/style.js';
import { printRunSummary } from '../../src/cli/summary.js';

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
    expect(checkAnswer(asking, ['qlik', 'installer', 'url'], 'ftp://example.com/setup.exe', 'paste the whole link')).toMatch(/\. Fix: paste the whole link$/);
    expect(checkAnswer(asking, ['qlik', 'installer', 'url'], 'https://example.com/setup.exe', 'paste the whole link')).toBeUndefined();
  });
});

describe('wording slips (issue 13 item 11)', () => {
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
});
