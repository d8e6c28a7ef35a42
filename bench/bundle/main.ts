// `npm run bundle:gpu -- --out DIR [--data FILE]`: builds the GPU device bundle (see build.ts).
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { IpdError, formatError } from '../../common';
import { buildGpuBundle, formatSizes } from '.';

const REFERENCE = process.env.IPDIALOG_REFERENCE ?? path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../shared/ipdialog');

try {
  const { values } = parseArgs({ options: { out: { type: 'string' }, data: { type: 'string', default: path.join(REFERENCE, 'filtered_data_test_1000.jsonl') } } });
  if (!values.out) throw new IpdError('USAGE', 'usage: npm run bundle:gpu -- --out DIR [--data filtered_data_test_1000.jsonl]');
  const { manifest, totalBytes } = await buildGpuBundle({ out: values.out, data: values.data!, log: (l) => process.stderr.write(`${l}\n`) });
  process.stdout.write(`wrote ${values.out}: ${(totalBytes / 2 ** 20).toFixed(1)} MiB (limit 60 MiB); presets ${manifest.presets.join(', ')}\n  ${formatSizes(manifest.sizes)}\n`);
  process.stdout.write(`run it: bash ${path.join(values.out, 'run.sh')} --device webgpu --out RESULTS\n`);
} catch (err) {
  process.stderr.write(`${formatError(IpdError.from(err))}\n`);
  process.exitCode = 1;
}
