import { parseArgs, ParseArgsOptionsConfig } from 'node:util';

/** What the project's command-line tools share: option parsing, the model list, exit codes. */
export const EXIT_USAGE = 2;

/** Bad arguments: the tool prints the message and its usage, and exits with EXIT_USAGE. */
export class UsageError extends Error {}

/** Strict `--name value` parsing with `--help` added; unknown options are a UsageError. */
export function parseCommandLine<const Options extends ParseArgsOptionsConfig>(argv: string[], options: Options) {
  return parseCommandLineWithArguments(argv, options, false).values;
}

/** As parseCommandLine, and the plain arguments too (`models:fetch yolov5n yolov5x`) when `allowPositionals`. */
export function parseCommandLineWithArguments<const Options extends ParseArgsOptionsConfig>(argv: string[], options: Options, allowPositionals = true) {
  try {
    return parseArgs({ args: argv, options: { ...options, help: { type: 'boolean' } }, strict: true, allowPositionals });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/** `--models a,b`: every name must be known; none given means all of them (or `defaults` when given). */
export function parseModelList(list: string | undefined, known: readonly string[], defaults: readonly string[] = known): string[] {
  if (list === undefined) return [...defaults];
  const names = list.split(',').map((name) => name.trim()).filter(Boolean);
  const unknown = names.filter((name) => !known.includes(name));
  if (names.length === 0 || unknown.length > 0) {
    throw new UsageError(`Unknown model(s): ${unknown.join(', ') || '(none given)'}; choose from ${known.join(', ')}`);
  }
  return names;
}

/** `--name N`: a positive integer, or the fallback when the option is absent. */
export function positiveIntegerOption(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (text.trim() === '' || !Number.isSafeInteger(value) || value < 1) throw new UsageError(`--${name} must be a positive integer, got "${text}"`);
  return value;
}

/** Runs a tool's main when its file is the process's entry point; main's result is the exit code. */
export function runCommand(entry: NodeJS.Module, main: () => Promise<number>, usage: string) {
  if (require.main !== entry) return;
  main().then(
    (code) => (process.exitCode = code),
    (error: unknown) => {
      if (error instanceof UsageError) {
        console.error(`${error.message}\n\n${usage}`);
        process.exitCode = EXIT_USAGE;
      } else {
        console.error(error);
        process.exitCode = 1;
      }
    },
  );
}
