import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';

/** What a command may touch of the outside world; tests pass their own to run commands in-process. */
export interface CliIo {
  out: (text: string) => void;
  err: (text: string) => void;
  stdin: Readable & { isTTY?: boolean };
  stdout?: Writable;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** The script node ran (process.argv[1]), to name the command that runs this installation in hints. */
  script?: string;
  /** Resolves when the process is asked to stop (SIGTERM, SIGINT); `serve` waits on it. */
  stopSignal: () => Promise<string>;
}

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
/** Bad usage or configuration: the command was never going to work as given. */
export const EXIT_USAGE = 2;

/** A command failed in a way the user can understand: the message is printed as one line, no stack trace. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = EXIT_FAILURE,
    /** Further lines printed after the message (e.g. one per configuration problem). */
    readonly details: string[] = [],
  ) {
    super(message);
  }
}

export async function readAll(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks).toString('utf8');
}

/** Asks for a secret on a terminal without echoing it. */
export function promptHidden(io: CliIo, question: string): Promise<string> {
  const output = io.stdout;
  if (!io.stdin.isTTY || !output)
    throw new CliError('no terminal to ask for the password: use --password-stdin', 2);
  return new Promise((resolve) => {
    const rl = createInterface({ input: io.stdin, output, terminal: true });
    const write = (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput;
    let asked = false;
    // readline echoes what is typed through _writeToOutput; after the question, echo nothing.
    (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput = (s: string) => {
      if (!asked) write.call(rl, s);
    };
    rl.question(question, (answer) => {
      rl.close();
      output.write('\n');
      resolve(answer);
    });
    asked = true;
  });
}
