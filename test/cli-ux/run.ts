/** Runs the built CLI without a terminal (pipes, CI set), the way CI and scripts do, and times it. */
import { spawn } from 'node:child_process';
import { CLI } from './terminal.js';

export interface PipedRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

export function runPiped(args: readonly string[], options: { cwd: string; env?: Record<string, string> }): Promise<PipedRun> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: options.cwd, env: { ...process.env, CI: 'true', ...options.env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString(); });
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr, ms: Math.round(performance.now() - started) }));
    child.stdin.end();
  });
}
