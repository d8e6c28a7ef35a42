import { Command } from 'commander';
import { MODEL_PRESETS, hubCacheStatus, type ModelPreset } from '../../models/node';

interface ModelsFlags {
  json?: boolean;
}

export function modelsCommand(): Command {
  return new Command('models')
    .description('list the recommended models (hub id, dtype, context length, chat template notes, where verified) and whether each is in the cache')
    .option('--json', 'one JSON array instead of a table')
    .action(async (flags: ModelsFlags) => {
      // Looking at the disk only: listing models never touches the network.
      const rows = await Promise.all(
        MODEL_PRESETS.map(async (p) => ({
          ...p,
          ...(p.kind === 'hub' ? await hubCacheStatus(p.id, p.dtype) : { cached: false, folder: undefined }),
          verifyLocally: verifyCommand(p),
        })),
      );
      if (flags.json) {
        process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
        return;
      }
      process.stdout.write(renderTable(rows));
      process.stdout.write('\nRun one: ipdialog generate --model <id> --dtype <dtype> --input prompts.jsonl --out out.jsonl\n');
      process.stdout.write('Verify one on this machine (our engine vs transformers.js: identical greedy tokens, speed, memory): the "verify locally" command.\n');
      process.stdout.write('Details: ipdialog models --json (notes, other dtypes, cache folders).\n');
    });
}

/**
 * How to check a model here: `ipdialog bench` runs it on our engine and on transformers.js and
 * compares greedy tokens, speed and memory. Generated models are checked in a folder of their own.
 */
function verifyCommand(p: ModelPreset): string {
  if (p.kind === 'hub') return `ipdialog bench --model ${p.id} --dtype ${p.dtype}`;
  const generate = /ipdialog tiny-model --preset \S+/.exec(p.download)?.[0] ?? 'ipdialog tiny-model <options>';
  return `${generate} --out DIR && ipdialog bench --model DIR`;
}

type Row = ModelPreset & { cached: boolean; verifyLocally: string };

/** One line of columns per model, then its chat-template and verification notes indented below. */
function renderTable(rows: Row[]): string {
  const header = ['model', 'dtype', 'params', 'context', 'download', 'cached', 'verified', 'verify locally'];
  const body = rows.map((r) => [
    r.kind === 'hub' ? r.id : `(${r.id})`,
    r.dtype,
    r.params,
    String(r.contextLength),
    r.download,
    r.kind === 'hub' ? (r.cached ? 'yes' : 'no') : '-',
    r.verified.startsWith('verified in tests') ? 'in tests' : 'no (no network here)',
    'ipdialog bench (below)',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  const out = [line(header)];
  rows.forEach((r, i) => {
    out.push(line(body[i]));
    out.push(`    chat template: ${r.chatTemplate}`);
    out.push(`    verified: ${r.verified}`);
    out.push(`    verify locally: ${r.verifyLocally}`);
  });
  return `${out.join('\n')}\n`;
}
