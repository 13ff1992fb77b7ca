import { describe, expect, it } from 'vitest';
import { splitCommandLine } from '../../../src/simulator/windows/argv.js';

describe('MSVC / CommandLineToArgvW word splitting', () => {
  it('splits at blanks; quotes group and disappear', () => {
    expect(splitCommandLine('prog a  b\t"c d"e ""')).toEqual(['prog', 'a', 'b', 'c de', '']);
  });

  it('applies the backslash-before-quote rules', () => {
    expect(splitCommandLine('prog a\\\\b \\"x "c\\\\" "d\\"e" f\\\\\\"g')).toEqual(['prog', 'a\\\\b', '"x', 'c\\', 'd"e', 'f\\"g']);
  });

  it('a doubled quote inside quotes is a literal quote', () => {
    expect(splitCommandLine('prog "a""b" c')).toEqual(['prog', 'a"b', 'c']);
  });

  it('takes the program word up to its closing quote, backslashes literal', () => {
    expect(splitCommandLine('"C:\\Program Files\\p.exe"x y')).toEqual(['C:\\Program Files\\p.exe', 'x', 'y']);
  });
});
