/** A configuration problem, named by field, with the fix; raised before anything is created. */
export interface ConfigIssue {
  readonly field: string;
  readonly message: string;
  /** The file the problem is in, when problems of several sources are reported together. */
  readonly file?: string;
}

/**
 * Issue messages are written to follow their field ("vm.size: is required"). Shown alone, as a wizard's
 * inline error is, one that starts with its verb gets its subject back, or it would read "> is empty. Fix: ...".
 */
export function standalone(subject: string, message: string | undefined): string | undefined {
  return message && /^(?:is|are|must|has|contains|makes|keeps)\b/.test(message) ? `${subject} ${message}` : message;
}

export class ConfigError extends Error {
  readonly issues: readonly ConfigIssue[];
  /** The file (or settings) the problems were found in, when there is one. */
  readonly source: string | undefined;
  constructor(issues: readonly ConfigIssue[], source?: string) {
    const where = source ? ` in ${source}` : '';
    super(`${issues.length === 1 ? 'a configuration problem' : `${issues.length} configuration problems`}${where}:\n${issues.map((i) => `  ${i.field}: ${i.message}`).join('\n')}`);
    this.name = 'ConfigError';
    this.issues = issues;
    this.source = source;
  }
}
