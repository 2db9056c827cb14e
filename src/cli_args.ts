// The command line of each `bert-lstm-label` command, read one way: node's own parseArgs with
// positionals allowed, a parse error answered with the words and the command's usage (exit 2),
// `--help` with the usage on standard output (exit 0). cli.ts and cli_adapt.ts differ only in
// their options, their usage text and the name their messages start with.
import { parseArgs, type ParseArgsOptionsConfig } from 'node:util';

type Parsed<O extends ParseArgsOptionsConfig> = ReturnType<typeof parseArgs<{ args: string[]; allowPositionals: true; options: O }>>;

/** The parsed arguments, or the exit code when there is nothing more to do (a parse error, or --help). */
export function parseCommandLine<const O extends ParseArgsOptionsConfig & { help: { type: 'boolean'; short: 'h' } }>(
  argv: string[],
  options: O,
  usage: string,
  say: (line: string) => void,
): Parsed<O> | number {
  let parsed: Parsed<O>;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, options });
  } catch (e) {
    say(`${(e as Error).message}\n${usage}`);
    return 2;
  }
  if ((parsed.values as { help?: boolean }).help) {
    process.stdout.write(usage + '\n');
    return 0;
  }
  return parsed;
}

/** The model's refusal in the CLI's words: the problems, one a line. */
export const cannotUse = (problems: readonly string[]): string =>
  `the model cannot be used:\n${problems.map((p) => `  - ${p}`).join('\n')}`;
