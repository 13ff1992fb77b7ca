/**
 * The questions the wizard can ask, as a small interface: the real one prompts on the terminal with
 * @inquirer/prompts (loaded only when the wizard runs); tests script the answers.
 */

/** Returns a sentence saying what is wrong and how to fix it, or undefined when the answer is fine. */
export type Check = (answer: string) => string | undefined;

export const wholeNumber: Check = (answer) => (/^\d{1,6}$/.test(answer) ? undefined : `'${answer}' is not a whole number. Fix: type a number such as 25`);

export interface Choice<T> {
  readonly value: T;
  readonly name: string;
  readonly description?: string;
  /** Shown but not selectable, with the reason. */
  readonly disabled?: string;
}

export interface Ask {
  /** Free text, trimmed; `check` runs on Enter and an error re-asks in place. */
  text(question: { message: string; default?: string; check?: Check }): Promise<string>;
  choose<T>(question: { message: string; choices: readonly Choice<T>[]; default?: T }): Promise<T>;
  yesNo(question: { message: string; default: boolean }): Promise<boolean>;
  /** Hidden entry (each key shows as *), taken exactly as typed: spaces count in a password. */
  hidden(question: { message: string; check?: Check }): Promise<string>;
}

export async function terminalAsk(): Promise<Ask> {
  const { input, select, confirm, password } = await import('@inquirer/prompts');
  const validate = (check: Check | undefined, normalise: (answer: string) => string) => (answer: string) => check?.(normalise(answer)) ?? true;
  const asTyped = (answer: string) => answer;
  const trimmed = (answer: string) => answer.trim();
  return {
    text: async ({ message, default: fallback, check }) => (await input({ message, ...(fallback !== undefined ? { default: fallback } : {}), validate: validate(check, trimmed) })).trim(),
    choose: ({ message, choices, default: fallback }) => select({
      message,
      choices: choices.map((choice) => ({ value: choice.value, name: choice.name, ...(choice.description ? { description: choice.description } : {}), ...(choice.disabled ? { disabled: choice.disabled } : {}) })),
      ...(fallback !== undefined ? { default: fallback } : {}),
      pageSize: 12,
    }),
    yesNo: ({ message, default: fallback }) => confirm({ message, default: fallback }),
    hidden: ({ message, check }) => password({ message, mask: '*', validate: validate(check, asTyped) }),
  };
}
