/**
 * The closing summary of a run, and of `status`: where Qlik Sense answers, who administers it, where
 * each secret lives (never the secret), the artifacts, and what to do next.
 */
import type { ResolvedConfig } from '../config/derive.js';
import { catalogueEntry, type StepNumber } from '../engine/catalogue.js';
import type { Journal } from '../engine/journal.js';
import type { RunOutcome } from '../engine/runner.js';
import type { StepOutputs } from '../engine/step.js';
import type { Output } from './output.js';

/** Output keys the steps record and the summary reads. */
export const SUMMARY_OUTPUTS = {
  address: { step: 30, fqdn: 'fqdn', ip: 'publicIpAddress' },
  rdpFile: { step: 35, key: 'rdpFile' },
  accountTable: { step: 39, markdown: 'accountTableMarkdown', csv: 'accountTableCsv' },
} as const;

export interface RunSummary {
  readonly deployment: string;
  readonly ok: boolean;
  readonly simulated: boolean;
  readonly interrupted: boolean;
  readonly finished: readonly StepNumber[];
  readonly failed: readonly { step: StepNumber; title: string; message: string; code?: string; advice?: string }[];
  readonly blocked: readonly StepNumber[];
  readonly notStarted: readonly StepNumber[];
  readonly hubUrl?: string;
  readonly qmcUrl?: string;
  readonly qlikAdministrator: string;
  readonly secretsLiveIn: string;
  readonly accountTable?: string;
  readonly rdpFile?: string;
  readonly next: readonly string[];
}

function outputs(journal: Pick<Journal, 'entry'>, step: StepNumber): StepOutputs | undefined {
  const entry = journal.entry(step);
  return entry?.status === 'done' ? entry.outputs : undefined;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

export function runSummary(config: ResolvedConfig, journal: Pick<Journal, 'entry'>, outcome: RunOutcome | undefined, context: { simulated: boolean; stateDir: string; secretsFile?: string }): RunSummary {
  const address = outputs(journal, SUMMARY_OUTPUTS.address.step);
  const host = text(address?.[SUMMARY_OUTPUTS.address.fqdn]) ?? text(address?.[SUMMARY_OUTPUTS.address.ip]);
  const failed = (outcome?.failed ?? []).map(({ step, error }) => ({ step, title: catalogueEntry(step).title, ...error }));
  const next: string[] = [];
  const first = failed[0];
  if (first) next.push(`Fix what step ${first.step} reports, then run: qlik-azure resume`);
  else if (outcome?.interrupted) next.push('Run qlik-azure resume to continue where this run stopped');
  else if (host) next.push(`Open https://${host}/qmc and sign in as ${config.names.computerName}\\${config.qlik.adminAccount}`, 'Import apps and publish them to streams (the guide\'s operations chapter)');
  const accountTable = text(outputs(journal, SUMMARY_OUTPUTS.accountTable.step)?.[SUMMARY_OUTPUTS.accountTable.markdown]);
  const rdpFile = text(outputs(journal, SUMMARY_OUTPUTS.rdpFile.step)?.[SUMMARY_OUTPUTS.rdpFile.key]);
  return {
    deployment: config.deployment,
    ok: failed.length === 0 && (outcome?.blocked.length ?? 0) === 0 && !outcome?.interrupted,
    simulated: context.simulated,
    interrupted: Boolean(outcome?.interrupted),
    finished: outcome?.finished ?? [],
    failed,
    blocked: outcome?.blocked ?? [],
    notStarted: outcome?.notStarted ?? [],
    ...(host ? { hubUrl: `https://${host}/hub`, qmcUrl: `https://${host}/qmc` } : {}),
    qlikAdministrator: `${config.names.computerName}\\${config.qlik.adminAccount}`,
    secretsLiveIn: context.secretsFile ?? 'the secrets file you supplied (or <state-dir>/<deployment>/secrets.yaml when generated); qlik-azure stores none',
    ...(accountTable ? { accountTable } : {}),
    ...(rdpFile ? { rdpFile } : {}),
    next,
  };
}

export function printRunSummary(output: Output, summary: RunSummary): void {
  const { style } = output;
  output.line();
  if (summary.simulated) output.line(style.yellow('SIMULATION: nothing real was created.'));
  for (const failure of summary.failed) {
    output.line(`${style.red('✖')} step ${failure.step} ${failure.title} failed${failure.code ? ` (${failure.code})` : ''}: ${failure.message}`);
    if (failure.advice) output.line(`  ${style.bold('how to fix:')} ${failure.advice}`);
  }
  if (summary.blocked.length > 0) output.line(`Not run because an earlier step failed: ${summary.blocked.join(', ')}`);
  if (summary.interrupted) output.line(`Stopped before: ${summary.notStarted.join(', ')}`);
  if (summary.ok) output.line(style.green(`Deployment '${summary.deployment}' is ready.`));
  if (summary.hubUrl) output.line(`  Hub:            ${summary.hubUrl}`);
  if (summary.qmcUrl) output.line(`  QMC:            ${summary.qmcUrl}`);
  output.line(`  Administrator:  ${summary.qlikAdministrator}`);
  output.line(`  Secrets:        ${summary.secretsLiveIn}`);
  if (summary.accountTable) output.line(`  Account table:  ${summary.accountTable}`);
  if (summary.rdpFile) output.line(`  RDP file:       ${summary.rdpFile}`);
  for (const step of summary.next) output.line(`  Next: ${step}`);
}
