// Runs the CLI in-process with captured output, or as a real process through ./qrpin.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { runCli, type CliContext } from 'qrpin';

export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** The repository root. */
export const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

/** Runs `qrpin <argv>` in this process. */
export async function run(
  argv: string[],
  options: { cwd: string; now?: Date; env?: Record<string, string> },
): Promise<RunResult> {
  let stdout = '';
  let stderr = '';
  const ctx: CliContext = {
    stdout: { write: (t) => void (stdout += t) },
    stderr: { write: (t) => void (stderr += t) },
    cwd: options.cwd,
    env: options.env ?? {},
    isTTY: false,
    now: () => options.now ?? new Date(),
  };
  const code = await runCli(argv, ctx);
  return { code, stdout, stderr };
}

/** Runs `./qrpin <argv>` as a child process. */
export function runBinary(
  argv: string[],
  options: { cwd: string; env?: Record<string, string> },
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(join(ROOT, 'qrpin'), argv, {
      cwd: options.cwd,
      env: { ...process.env, NO_COLOR: '1', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}
