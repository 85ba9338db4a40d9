/**
 * The flag tables (src/cli/commands/flags.ts) are the one declaration of every flag: the parser, the help, the
 * subcommand finder and the option flags' annotations and validation all come from them. These tests hold each
 * of those to the table, so a flag added there shows up everywhere, and nowhere else needs a change.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UsageError } from '../../src/errors.js';
import {
  DEFAULT_TOOLS_IMAGE,
  DEFAULT_TTL_SECONDS,
  OPTIONS,
  checkOption,
  formatDuration,
  type OptionName,
} from '../../src/mutation/index.js';
import { parseFlags } from '../../src/cli/commands/args.js';
import {
  COMMAND_FLAGS,
  DEFAULT_TIMEOUT,
  OPTION_FLAGS,
  flagLabel,
  type FlagSpec,
  type FlagSpecs,
} from '../../src/cli/commands/flags.js';
import { helpText } from '../../src/cli/commands/help.js';
import { splitSubcommand, type Subcommand } from '../../src/cli/commands/subcommand.js';
import { optionAnnotations, optionFlagsFrom } from '../../src/cli/copy/option-flags.js';

const COMMANDS = Object.entries(COMMAND_FLAGS) as [string, FlagSpecs][];

function entries(specs: FlagSpecs): [string, FlagSpec][] {
  return Object.entries<FlagSpec>(specs);
}

/** The flags the help's Options section lists: `    -n, --namespace='':` → namespace. */
function helpFlags(text: string): string[] {
  const options = text.slice(text.indexOf('\nOptions:\n'), text.indexOf('\nUsage:\n'));
  return [...options.matchAll(/^ {4}(?:-[A-Za-z], )?--([a-z-]+)=/gm)].map((match) => match[1] ?? '');
}

describe('flag tables: one declaration, every use', () => {
  for (const [command, specs] of COMMANDS) {
    const name = command === '' ? 'the main command' : command;
    it(`${name}: the help lists exactly the table's flags, in kubectl's order`, () => {
      const listed = helpFlags(helpText(command === '' ? undefined : (command as Subcommand)));
      assert.deepEqual(
        listed,
        Object.keys(specs).sort((a, b) => a.localeCompare(b)),
      );
    });

    it(`${name}: the parser takes every flag of the table, by name and shorthand`, () => {
      for (const [flag, spec] of entries(specs)) {
        const value = spec.type === 'string' ? ['x'] : [];
        assert.deepEqual(parseFlags(command, [`--${flag}`, ...value], specs).values[flag], value[0] ?? true);
        if (spec.short !== undefined) {
          assert.deepEqual(parseFlags(command, [`-${spec.short}`, ...value], specs).values[flag], value[0] ?? true);
        }
      }
    });

    it(`${name}: the subcommand finder skips the value of every flag that takes one, and only those`, () => {
      for (const [flag, spec] of entries(specs)) {
        for (const spelling of [`--${flag}`, ...(spec.short === undefined ? [] : [`-${spec.short}`])]) {
          // `--ttl list clean`: "list" is the value, clean the command; `--exec list`: list is the command.
          const expected = spec.type === 'string' ? 'clean' : 'list';
          assert.equal(splitSubcommand([spelling, 'list', 'clean']).command, expected, spelling);
        }
      }
    });
  }

  it('defaults shown in the help are the constants the code uses', () => {
    const main = helpText(undefined);
    assert.ok(main.includes(`    --timeout=${DEFAULT_TIMEOUT}:\n`), 'the --timeout default');
    assert.ok(main.includes(`(default: ${DEFAULT_TOOLS_IMAGE})`), 'the tools image');
    assert.ok(main.includes(`(default ${formatDuration(DEFAULT_TTL_SECONDS)})`), 'the TTL');
  });
});

describe('option flags: the annotation of their option, judged by its validator', () => {
  const options = entries(OPTION_FLAGS).map(([flag, spec]) => ({ flag, spec, option: spec.option as OptionName }));

  it('each names a mutation option with an annotation, and its help names that annotation', () => {
    for (const { flag, spec, option } of options) {
      const annotation = OPTIONS[option].annotation;
      assert.ok(annotation !== undefined, `--${flag} sets an annotation`);
      assert.ok(spec.help.includes(`(${annotation})`), `--${flag}'s help names ${annotation}`);
    }
  });

  it('each value given becomes its annotation', () => {
    const values = {
      container: 'app',
      image: 'mirror.example.com/busybox:1',
      'keep-probes': false,
      ttl: '2h',
      volumes: 'readonly',
    };
    assert.deepEqual(optionAnnotations(optionFlagsFrom(values)), {
      'debug.dead/enable': 'true',
      'debug.dead/container': 'app',
      'debug.dead/image': 'mirror.example.com/busybox:1',
      'debug.dead/keep-probes': 'false',
      'debug.dead/ttl': '2h',
      'debug.dead/volumes': 'readonly',
    });
    assert.deepEqual(
      options.map(({ flag }) => flag).sort(),
      Object.keys(values).sort(),
      'the table above covers every option flag',
    );
  });

  const refused: Record<string, string> = { container: ' , ', image: 'Busy Box', ttl: 'forever', volumes: 'keep' };
  for (const [flag, value] of Object.entries(refused)) {
    it(`a value the mutation refuses for --${flag} is a usage error in the CLI's words`, () => {
      const entry = options.find((candidate) => candidate.flag === flag);
      assert.ok(entry, `--${flag} is an option flag`);
      const problem = checkOption(entry.option, value.trim());
      assert.ok(problem, `the mutation refuses ${JSON.stringify(value)} for ${entry.option}`);
      assert.throws(
        () => optionFlagsFrom({ [flag]: value }),
        (error: unknown) =>
          error instanceof UsageError &&
          error.message === `invalid value "${value}" for ${flagLabel(flag, entry.spec)}: use ${problem.valid}`,
      );
    });
  }
});
