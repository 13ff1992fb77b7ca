/**
 * The closing summary of a run, and of `status`: where Qlik Sense answers, who administers it, where
 * each secret lives (never the secret), the artifacts, and what to do next.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { ResolvedConfig } from '../config/derive.js';
import { requiredSecrets } from '../config/secret-sources.js';
import type { SecretName } from '../config/secrets.js';
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

/** A Windows account the deployment creates, and the name of the secret that holds its password. */
export interface SummaryAccount {
  readonly role: string;
  readonly account: string;
  readonly secret: SecretName;
}

export interface RunSummary {
  readonly deployment: string;
  readonly resourceGroup: string;
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
  readonly accounts: readonly SummaryAccount[];
  /** Every secret the deployment uses; all of them live in `secretsLiveIn`. */
  readonly secrets: readonly SecretName[];
  readonly secretsLiveIn: string;
  readonly accountTable?: string;
  readonly rdpFile?: string;
  /** The exact command that continues this deployment; present when it is not finished. */
  readonly resumeCommand?: string;
  readonly next: readonly string[];
}

function outputs(journal: Pick<Journal, 'entry'>, step: StepNumber): StepOutputs | undefined {
  const entry = journal.entry(step);
  return entry?.status === 'done' ? entry.outputs : undefined;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

export function accountsOf(config: ResolvedConfig): SummaryAccount[] {
  const host = config.names.computerName;
  const { localUsers } = config.qlik;
  return [
    { role: 'Qlik administrator', account: `${host}\\${config.qlik.adminAccount}`, secret: 'qlikAdminPassword' },
    { role: 'VM administrator', account: `${host}\\${config.vm.adminUsername}`, secret: 'vmAdminPassword' },
    { role: 'Qlik service account', account: `${host}\\${config.qlik.serviceAccount}`, secret: 'serviceAccountPassword' },
    ...(localUsers.count > 0
      ? [{ role: 'Local users', account: `${host}\\${localUsers.prefix}1${localUsers.count > 1 ? `..${localUsers.prefix}${localUsers.count}` : ''}`, secret: 'localUserPassword' as const }]
      : []),
  ];
}

/**
 * The files the secrets are in: the one the user supplied and/or the one of passwords generated (or typed
 * into the wizard) for this deployment, which is the same file when the wizard wrote it.
 */
function secretFiles(stateDir: string, deployment: string, supplied: string | undefined): string[] {
  const kept = join(stateDir, deployment, 'secrets.yaml');
  const files = supplied ? [supplied] : [];
  if (existsSync(kept) && !files.some((file) => resolve(file) === resolve(kept))) files.push(kept);
  return files;
}

function secretsLocation(stateDir: string, deployment: string, supplied: string | undefined): string {
  const [first, second] = secretFiles(stateDir, deployment, supplied);
  if (!first) return 'the secrets file passed with --secrets-file; qlik-azure keeps no copy';
  return second ? `${first} (mode 0600); the others in ${second} (mode 0600)` : `${first} (mode 0600)`;
}

/** Where to read an account's password: the file's name, never anything that could pass for the value. */
function passwordHome(summary: RunSummary, output: Output): string {
  const { secretsFile, secretsStdin, stateDir } = output.invocation;
  if (secretsStdin) return 'the secrets piped to standard input';
  const files = secretFiles(stateDir ?? '.qlik-azure', summary.deployment, secretsFile);
  return files.length === 1 ? files[0]! : 'the secrets files below';
}

export function runSummary(config: ResolvedConfig, journal: Pick<Journal, 'entry'>, outcome: RunOutcome | undefined, context: { simulated: boolean; stateDir: string; secretsFile?: string }): RunSummary {
  const address = outputs(journal, SUMMARY_OUTPUTS.address.step);
  const host = text(address?.[SUMMARY_OUTPUTS.address.fqdn]) ?? text(address?.[SUMMARY_OUTPUTS.address.ip]);
  const failed = (outcome?.failed ?? []).map(({ step, error }) => ({ step, title: catalogueEntry(step).title, ...error }));
  const next: string[] = [];
  const first = failed[0];
  if (first) next.push(`Fix what step ${first.step} reports (above), then resume with the command below`);
  else if (outcome?.interrupted) next.push('Resume with the command below: it re-checks what was in flight and runs the rest');
  else if (host) next.push(`Open https://${host}/qmc and sign in as ${config.names.computerName}\\${config.qlik.adminAccount}`, 'Import apps and publish them to streams (the guide\'s operations chapter)');
  const accountTable = text(outputs(journal, SUMMARY_OUTPUTS.accountTable.step)?.[SUMMARY_OUTPUTS.accountTable.markdown]);
  const rdpFile = text(outputs(journal, SUMMARY_OUTPUTS.rdpFile.step)?.[SUMMARY_OUTPUTS.rdpFile.key]);
  return {
    deployment: config.deployment,
    resourceGroup: config.names.resourceGroup,
    ok: failed.length === 0 && (outcome?.blocked.length ?? 0) === 0 && !outcome?.interrupted,
    simulated: context.simulated,
    interrupted: Boolean(outcome?.interrupted),
    finished: outcome?.finished ?? [],
    failed,
    blocked: outcome?.blocked ?? [],
    notStarted: outcome?.notStarted ?? [],
    ...(host ? { hubUrl: `https://${host}/hub`, qmcUrl: `https://${host}/qmc` } : {}),
    qlikAdministrator: `${config.names.computerName}\\${config.qlik.adminAccount}`,
    accounts: accountsOf(config),
    secrets: requiredSecrets(config),
    secretsLiveIn: secretsLocation(context.stateDir, config.deployment, context.secretsFile),
    ...(accountTable ? { accountTable } : {}),
    ...(rdpFile ? { rdpFile } : {}),
    next,
  };
}

/** Completes a summary with what only this invocation knows: where its secrets came from, and how to resume. */
export function forInvocation(summary: RunSummary, output: Output): RunSummary {
  const { secretsFile, secretsStdin } = output.invocation;
  const secretsLiveIn = secretsFile
    ? secretsLocation(output.invocation.stateDir ?? '.qlik-azure', summary.deployment, secretsFile)
    : secretsStdin ? 'standard input; qlik-azure kept no copy, so pipe the same secrets to resume' : summary.secretsLiveIn;
  return { ...summary, secretsLiveIn, ...(summary.ok ? {} : { resumeCommand: output.resumeCommand }) };
}

/** When Azure's error has no known advice, the next best thing a person can do. */
function unadvisedFix(resourceGroup: string): string {
  return `Azure gave no more detail; errors like this are often transient, and resume runs the step again. If it repeats, read the resource group's activity log: az monitor activity-log list --resource-group ${resourceGroup} --offset 1h -o table`;
}

/**
 * Advice reads 'Fix: ...' where it stands alone (the state, --json); under 'how to fix:' the word would
 * repeat, at the start ('how to fix: Fix: ...') or after the reason ('how to fix: ... it raced. Fix: run ...').
 */
export function underHowToFix(advice: string): string {
  return advice.replace(/^Fix:\s*/, '').replace(/([.;])\s+Fix:\s*(\S)/g, (_match, stop: string, first: string) => `${stop} ${first.toUpperCase()}`);
}

export function printRunSummary(output: Output, completed: RunSummary): void {
  const summary = forInvocation(completed, output);
  const { style } = output;
  output.line();
  if (summary.simulated) output.line(style.yellow('SIMULATION: nothing real was created.'));
  for (const failure of summary.failed) {
    output.line(`${style.red('✖')} step ${failure.step} ${failure.title} failed${failure.code ? ` (Azure: ${failure.code})` : ''}`);
    output.line(`  ${style.bold('why:')}        ${failure.message}`);
    output.line(`  ${style.bold('how to fix:')} ${underHowToFix(failure.advice ?? unadvisedFix(summary.resourceGroup))}`);
  }
  if (summary.blocked.length > 0) output.line(`Not run because an earlier step failed: ${summary.blocked.join(', ')}`);
  if (summary.interrupted) output.line(`Stopped before: ${summary.notStarted.join(', ')}`);
  if (summary.ok) output.line(style.green(`Deployment '${summary.deployment}' is ready.`));
  const field = (label: string, value: string) => output.line(`  ${label.padEnd(22)}${value}`);
  if (summary.hubUrl) field('Hub:', summary.hubUrl);
  if (summary.qmcUrl) field('QMC:', summary.qmcUrl);
  const home = passwordHome(summary, output);
  for (const account of summary.accounts) field(`${account.role}:`, `${account.account}  ${style.dim(`password in ${home} (${account.secret})`)}`);
  field('Secrets:', summary.secretsLiveIn);
  output.line(`  ${''.padEnd(22)}${style.dim(summary.secrets.join(', '))}`);
  if (summary.accountTable) field('Account table:', summary.accountTable);
  if (summary.rdpFile) field('RDP file:', summary.rdpFile);
  for (const step of summary.next) field('Next:', step);
  if (summary.resumeCommand) field('Resume:', style.bold(summary.resumeCommand));
}
