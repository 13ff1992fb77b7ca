/** Where a command writes: text for people (styled only when wanted), or JSON for machines. */
import { colourWanted, createStyle, type Style } from './style.js';
import type { GlobalOptions } from './options.js';

export interface Output {
  readonly style: Style;
  readonly json: boolean;
  readonly interactive: boolean;
  line(text?: string): void;
  warn(text: string): void;
  error(text: string): void;
  data(value: unknown): void;
}

/** A terminal on both ends and not CI: the only case where the tool may prompt or animate. */
export function isInteractive(env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(process.stdin.isTTY && process.stdout.isTTY) && !env.CI;
}

export function createOutput(options: Pick<GlobalOptions, 'json' | 'color'>, env: NodeJS.ProcessEnv = process.env): Output {
  const style = createStyle(!options.json && colourWanted(process.stdout, env, options.color === false));
  const errorStyle = createStyle(colourWanted(process.stderr, env, options.color === false));
  return {
    style,
    json: Boolean(options.json),
    interactive: isInteractive(env) && !options.json,
    line: (text = '') => process.stdout.write(`${text}\n`),
    warn: (text) => process.stderr.write(`${errorStyle.yellow('warning:')} ${text}\n`),
    error: (text) => process.stderr.write(`${errorStyle.red('error:')} ${text}\n`),
    data: (value) => process.stdout.write(`${JSON.stringify(value)}\n`),
  };
}
