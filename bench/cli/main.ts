// The `ipdialog` entry point: registers one command per file and owns the one error path.
import { Command } from 'commander';
import { IpdError, formatError } from '../../common';
import { commands, hiddenCommands } from './commands';

const program = new Command('ipdialog')
  .description('IP-Dialog benchmark, locally: prompts, generation on ONNX Runtime, scoring, reports')
  .option('--verbose', 'show stack traces on errors')
  .showHelpAfterError('(run with --help for usage)');

// A closed pipe (`ipdialog prompts ... | head`) is not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

for (const create of commands) program.addCommand(create());
for (const create of hiddenCommands) program.addCommand(create(), { hidden: true });

try {
  await program.parseAsync(process.argv);
} catch (err) {
  const e = IpdError.from(err);
  process.stderr.write(`${formatError(e)}\n`);
  if (program.opts().verbose || process.argv.includes('--verbose')) process.stderr.write(`${e.stack ?? ''}\n`);
  process.exitCode = e.code === 'USAGE' ? 2 : 1;
}
