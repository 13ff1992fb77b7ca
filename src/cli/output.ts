/** Where a command writes: text for people (styled only when wanted), or JSON for machines. */
import { outputClosed } from './closed-output.js';
import { colourWanted, createStyle, type Style } from './style.js';
import type { GlobalOptions } from './options.js';

export interface Output {
  readonly style: Style;
  readonly json: boolean;
  readonly interactive: boolean;
  /** --verbose: details a person does not need unless something is being looked into. */
  readonly verbose: boolean;
  /** The flags that chose this invocation's deployment, state and secrets. */
  readonly invocation: InvocationOptions;
  /** The command that continues this deployment, with those same flags. */
  readonly resumeCommand: string;
  line(text?: string): void;
  warn(text: string): void;
  error(text: string): void;
  data(value: unknown): void;
}

/** Flags that choose the deployment, its state and its secrets: a resume needs the same ones. */
export type InvocationOptions = Partial<Pick<GlobalOptions, 'config' | 'secretsFile' | 'secretsStdin' | 'deployment' | 'stateDir' | 'state' | 'subscription' | 'auth' | 'cloud' | 'armEndpoint' | 'simulate'>>;

const FLAG_DEFAULTS: Readonly<Record<string, string>> = { stateDir: '.qlik-azure', auth: 'cli', cloud: 'AzureCloud' };

const RESUME_FLAGS: readonly (readonly [keyof InvocationOptions, string])[] = [
  ['config', '--config'], ['secretsFile', '--secrets-file'], ['secretsStdin', '--secrets-stdin'], ['deployment', '--deployment'],
  ['stateDir', '--state-dir'], ['state', '--state'], ['subscription', '--subscription'], ['auth', '--auth'], ['cloud', '--cloud'],
  ['armEndpoint', '--arm-endpoint'], ['simulate', '--simulate'],
];

/** Quotes a value for a POSIX shell only when it needs it, so the usual command stays readable. */
function shellWord(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

export function resumeCommandFor(options: InvocationOptions): string {
  return commandFor('resume', options);
}

/** The command that acts on the same deployment again: every flag that chose it (--simulate, --state-dir...), none of the defaults. */
export function commandFor(verb: string, options: InvocationOptions): string {
  const words = ['qlik-azure', verb];
  for (const [key, flag] of RESUME_FLAGS) {
    const value = options[key];
    if (value === undefined || value === false || value === FLAG_DEFAULTS[key]) continue;
    words.push(value === true ? flag : `${flag} ${shellWord(String(value))}`);
  }
  return words.join(' ');
}

/** A terminal on both ends and not CI: the only case where the tool may prompt or animate. */
export function isInteractive(env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(process.stdin.isTTY && process.stdout.isTTY) && !env.CI;
}

/** Event-stream records (objects with `v` and `type`) always say when they happened, whoever emits them. */
function stamped(value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  const record = value as Record<string, unknown>;
  return 'v' in record && 'type' in record && !('at' in record) ? { v: record.v, at: new Date().toISOString(), ...record } : value;
}

/** Once the reader has left, nothing more is written (closed-output.ts). */
function write(stream: NodeJS.WriteStream, text: string): void {
  if (!outputClosed.aborted) stream.write(text);
}

export function createOutput(options: Pick<GlobalOptions, 'json' | 'color' | 'verbose'> & InvocationOptions, env: NodeJS.ProcessEnv = process.env): Output {
  const noColorFlag = options.color === false;
  // The prompt and spinner libraries read NO_COLOR, not our flag: one switch turns colour off for all of
  // them. FORCE_COLOR would overrule it in Node's own styling, and the flag is the user's latest word.
  if (noColorFlag) {
    env.NO_COLOR = '1';
    delete env.FORCE_COLOR;
  }
  const style = createStyle(!options.json && colourWanted(process.stdout, env, noColorFlag));
  const errorStyle = createStyle(colourWanted(process.stderr, env, noColorFlag));
  return {
    style,
    json: Boolean(options.json),
    interactive: isInteractive(env) && !options.json,
    verbose: Boolean(options.verbose),
    invocation: options,
    resumeCommand: resumeCommandFor(options),
    line: (text = '') => write(process.stdout, `${text}\n`),
    warn: (text) => write(process.stderr, `${errorStyle.yellow('warning:')} ${text}\n`),
    error: (text) => write(process.stderr, `${errorStyle.red('error:')} ${text}\n`),
    data: (value) => write(process.stdout, `${JSON.stringify(stamped(value))}\n`),
  };
}
