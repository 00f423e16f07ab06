/**
 * What a command may touch: its output streams, the working directory, the environment and the
 * clock. Passed in so that tests drive commands in-process.
 */

/** A sink for text. */
export interface TextSink {
  write(text: string): void;
}

/** The world as a command sees it. */
export interface CliContext {
  readonly stdout: TextSink;
  readonly stderr: TextSink;
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** True when stdout is a terminal: colours and progress only then. */
  readonly isTTY: boolean;
  readonly now: () => Date;
}

/** The context of the real process. */
export function processContext(): CliContext {
  return {
    stdout: { write: (text) => void process.stdout.write(text) },
    stderr: { write: (text) => void process.stderr.write(text) },
    cwd: process.cwd(),
    env: process.env,
    isTTY: process.stdout.isTTY === true && process.env.NO_COLOR === undefined,
    now: () => new Date(),
  };
}
