/**
 * Replays what a terminal received into the text a person saw, scrollback included: enough of a VT100
 * (cursor moves, line erases) for the prompt and spinner libraries, so a session reads as a transcript
 * instead of every redraw laid end to end.
 */
export function renderScreen(raw: string, columns = 120): string {
  const lines: string[][] = [[]];
  let row = 0;
  let column = 0;
  const line = () => (lines[row] ??= []);
  const sequence = /\u001b\[([?0-9;]*)([A-Za-z])|\u001b\][^\u0007]*\u0007|\u001b[@-Z\\-_]|[\s\S]/g;
  for (const match of raw.matchAll(sequence)) {
    const [text, parameters, command] = match;
    if (command === undefined) {
      if (text === '\n') { row += 1; line(); } else if (text === '\r') column = 0;
      else if (!text.startsWith('\u001b') && text >= ' ') {
        if (column >= columns) { row += 1; column = 0; }
        line()[column] = text;
        column += 1;
      }
      continue;
    }
    const n = Number.parseInt(parameters ?? '', 10);
    const count = Number.isNaN(n) ? 1 : n;
    switch (command) {
      case 'A': row = Math.max(0, row - count); break;
      case 'B': row += count; line(); break;
      case 'C': column += count; break;
      case 'D': column = Math.max(0, column - count); break;
      case 'G': column = count - 1; break;
      case 'K': if (parameters === '2') lines[row] = []; else line().length = Math.min(line().length, column); break;
      case 'J': line().length = Math.min(line().length, column); lines.length = row + 1; break;
      default: break; // colour, cursor visibility
    }
  }
  return lines.map((cells) => Array.from(cells, (cell) => cell ?? ' ').join('').trimEnd()).join('\n').replace(/\n{3,}/g, '\n\n');
}
