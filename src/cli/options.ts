/** The global flags every command accepts, as commander hands them over. */
export interface GlobalOptions {
  config?: string;
  secretsFile?: string;
  secretsStdin?: boolean;
  deployment?: string;
  stateDir: string;
  subscription?: string;
  auth: string;
  cloud: string;
  armEndpoint?: string;
  yes?: boolean;
  json?: boolean;
  color: boolean;
  verbose?: boolean;
  simulate?: boolean;
}

export interface StepRangeOptions {
  fromStep?: number;
  toStep?: number;
}

export function parseStepNumber(value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number)) throw new Error(`'${value}' is not a step number; the guide's steps are 1-48`);
  return number;
}
