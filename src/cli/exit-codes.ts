/** Exit codes, documented in the README. */
export const EXIT = {
  ok: 0,
  /** A step failed, or Azure refused something; the state says where to resume. */
  failed: 1,
  /** `plan --detailed-exitcode`: the plan has changes. */
  changesPending: 2,
  /** Bad flags, config or secrets: nothing was created. */
  invalidInput: 3,
  /** Another qlik-azure command holds the deployment's lock. */
  locked: 4,
  /** Stopped by Ctrl-C (SIGINT). */
  interrupted: 130,
  /** The reader of standard output or error left (`| head`): the run stopped as on a first Ctrl-C (closed-output.ts). */
  outputClosed: 141,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];
