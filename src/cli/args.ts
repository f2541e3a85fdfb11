// The command line both MongoDB commands take: one folder and some options. `--help` prints the
// usage; a wrong option or folder count prints the error and the usage and exits 2.
import { parseArgs, type ParseArgsConfig } from 'node:util';

type Options = NonNullable<ParseArgsConfig['options']>;
type Parsed<O extends Options> = ReturnType<typeof parseArgs<{ allowPositionals: true; options: O }>>;

export interface FolderCommand<O extends Options> {
  folder: string;
  flags: Parsed<O>['values'];
  /** a usage error found after parsing (a bad value): message and usage, exit 2 */
  fail(message: string): never;
}

export function parseFolderCommand<O extends Options>(command: string, usage: string, options: O): FolderCommand<O> {
  const fail = (message: string): never => {
    console.error(`${command}: ${message}\n${usage}`);
    process.exit(2);
  };
  let parsed: Parsed<O>;
  try {
    parsed = parseArgs({ allowPositionals: true, options: { ...options, help: { type: 'boolean', short: 'h' } } }) as Parsed<O>;
  } catch (err) {
    return fail((err as Error).message);
  }
  if ((parsed.values as { help?: boolean }).help) {
    console.log(usage);
    process.exit(0);
  }
  if (parsed.positionals.length !== 1) fail('give exactly one folder');
  return { folder: parsed.positionals[0], flags: parsed.values, fail };
}
