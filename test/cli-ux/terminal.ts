/**
 * Drives the built CLI in a pseudo-terminal, the way a person at a keyboard would: wait for a prompt,
 * type, press keys. Everything the CLI wrote is kept for the assertions and the transcript.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pty from '@lydell/node-pty';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const CLI = join(ROOT, 'bin', 'qlik-azure.js');

export const KEY = { enter: '\r', down: '\u001b[B', up: '\u001b[A', ctrlC: '\u0003' } as const;

// CSI sequences (colour, cursor), OSC, and lone ESC-letter pairs.
const ANSI = /\u001b\[[0-9;?]*[ -/]*[@-~]|\u001b\][^\u0007]*\u0007|\u001b[@-Z\\-_]/g;

export function stripAnsi(text: string): string {
  return text.replace(ANSI, '');
}

export function scratchDirectory(): string {
  return mkdtempSync(join(tmpdir(), 'qlik-azure-ux-'));
}

export interface TerminalSession {
  /** Everything written so far, escape codes included. */
  readonly raw: () => string;
  /** Everything written so far, as text. */
  readonly text: () => string;
  /** Resolves once `pattern` appears after the previous match; rejects after `timeoutMs`. */
  waitFor(pattern: RegExp | string, timeoutMs?: number): Promise<void>;
  send(keys: string): void;
  /** Types text then Enter, a key at a time as a person does. */
  answer(text: string): Promise<void>;
  /** Waits for a question, then answers it. */
  reply(question: RegExp | string, text: string): Promise<void>;
  /** Waits for a list, moves with the given keys, then presses Enter. */
  pick(question: RegExp | string, ...moves: string[]): Promise<void>;
  readonly exited: Promise<number>;
  kill(): void;
}

/** A prompt draws its question before it listens; a person never types in that instant. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 60));

export function startTerminal(args: readonly string[], options: { cwd: string; env?: Record<string, string> }): TerminalSession {
  const env: Record<string, string> = {};
  // A person's shell, not the test runner's: no CI flag, no colour settings unless a test sets them.
  const notInherited = new Set(['CI', 'NO_COLOR', 'FORCE_COLOR']);
  for (const [key, value] of Object.entries(process.env)) if (value !== undefined && !notInherited.has(key)) env[key] = value;
  const child = pty.spawn(process.execPath, [CLI, ...args], { cols: 120, rows: 40, cwd: options.cwd, env: { ...env, TERM: 'xterm-256color', ...options.env } });
  let raw = '';
  let consumed = 0;
  const listeners = new Set<() => void>();
  child.onData((data) => {
    raw += data;
    for (const listener of listeners) listener();
  });
  const exited = new Promise<number>((resolve) => child.onExit(({ exitCode }) => resolve(exitCode)));
  const session: TerminalSession = {
    raw: () => raw,
    text: () => stripAnsi(raw),
    waitFor(pattern, timeoutMs = 15_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const rest = stripAnsi(raw.slice(consumed));
          const match = typeof pattern === 'string' ? (rest.includes(pattern) ? { index: rest.indexOf(pattern), length: pattern.length } : undefined) : (() => { const m = pattern.exec(rest); return m ? { index: m.index, length: m[0].length } : undefined; })();
          if (!match) return false;
          // Advance past the match in raw terms: find the stripped prefix length within raw.
          let strippedSeen = 0;
          let index = consumed;
          const target = match.index + match.length;
          while (index < raw.length && strippedSeen < target) {
            const slice = raw.slice(index);
            const escape = /^(\u001b\[[0-9;?]*[ -/]*[@-~]|\u001b\][^\u0007]*\u0007|\u001b[@-Z\\-_])/.exec(slice);
            if (escape) index += escape[0].length;
            else { index += 1; strippedSeen += 1; }
          }
          consumed = index;
          return true;
        };
        if (check()) { resolve(); return; }
        const timer = setTimeout(() => {
          listeners.delete(listener);
          reject(new Error(`timed out after ${timeoutMs} ms waiting for ${String(pattern)}; the terminal shows:\n${stripAnsi(raw).slice(-3000)}`));
        }, timeoutMs);
        const listener = () => {
          if (check()) { clearTimeout(timer); listeners.delete(listener); resolve(); }
        };
        listeners.add(listener);
        void exited.then(() => setTimeout(() => {
          if (!listeners.has(listener)) return;
          listeners.delete(listener);
          clearTimeout(timer);
          reject(new Error(`the CLI exited while waiting for ${String(pattern)}; the terminal shows:\n${stripAnsi(raw).slice(-3000)}`));
        }, 200));
      });
    },
    send: (keys) => child.write(keys),
    async answer(text) {
      await settle();
      for (const character of text) {
        child.write(character);
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
      child.write(KEY.enter);
    },
    async reply(question, text) {
      await session.waitFor(question);
      await session.answer(text);
    },
    async pick(question, ...moves) {
      await session.waitFor(question);
      await settle();
      session.send(moves.join('') + KEY.enter);
    },
    exited,
    kill: () => child.kill(),
  };
  return session;
}
