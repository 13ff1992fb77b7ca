// How a Windows program splits the command line it was started with into words, as the Microsoft C
// runtime and CommandLineToArgvW do (Microsoft Learn, "Parsing C++ command-line arguments"; Windows
// PowerShell, a .NET Framework program, receives its args[] split the same way):
// - blanks (space, tab) separate words; a double-quoted part may hold blanks and joins the word;
// - 2n backslashes before `"` give n backslashes and the quote opens or closes a quoted part;
//   2n+1 backslashes before `"` give n backslashes and a literal `"`; other backslashes are literal;
// - inside a quoted part, `""` gives a literal `"` (the runtime's rule since 2008);
// - the first word, the program, ends at the first blank, or at the closing quote when it starts with
//   one; backslashes in it are literal.

const BLANK = /[ \t]/;

/** Reads the program word; returns it and where the arguments start. */
function programWord(commandLine: string): { program: string; rest: number } {
  if (commandLine.startsWith('"')) {
    const close = commandLine.indexOf('"', 1);
    return close < 0 ? { program: commandLine.slice(1), rest: commandLine.length } : { program: commandLine.slice(1, close), rest: close + 1 };
  }
  const blank = commandLine.search(BLANK);
  return blank < 0 ? { program: commandLine, rest: commandLine.length } : { program: commandLine.slice(0, blank), rest: blank };
}

/** The words of a command line: argv[0] is the program, then its arguments. */
export function splitCommandLine(commandLine: string): string[] {
  const { program, rest } = programWord(commandLine);
  const words = [program];
  let at = rest;
  for (;;) {
    while (at < commandLine.length && BLANK.test(commandLine[at]!)) at++;
    if (at >= commandLine.length) return words;
    let word = '';
    let quoted = false;
    while (at < commandLine.length) {
      const c = commandLine[at]!;
      if (!quoted && BLANK.test(c)) break;
      if (c === '\\') {
        let count = 0;
        while (commandLine[at + count] === '\\') count++;
        if (commandLine[at + count] === '"') {
          word += '\\'.repeat(Math.floor(count / 2));
          at += count;
          if (count % 2 === 1) {
            word += '"';
            at++;
          }
        } else {
          word += '\\'.repeat(count);
          at += count;
        }
      } else if (c === '"') {
        if (quoted && commandLine[at + 1] === '"') {
          word += '"';
          at += 2;
        } else {
          quoted = !quoted;
          at++;
        }
      } else {
        word += c;
        at++;
      }
    }
    words.push(word);
  }
}
