/** Counted nouns (the lowest layer, so rules and the CLI share it): "1 step", "2 steps". Every count a message prints goes through this, so none reads "1 checks". */
export function counted(count: number, noun: string, plural = `${noun}s`): string {
  return `${count} ${count === 1 ? noun : plural}`;
}
