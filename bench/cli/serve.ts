import { Command, Option } from 'commander';
import { IpdError } from '../../common';
import { createLlmEngine } from '../../engine/node';
import { parseDtype, type Dtype } from '../../models';
import { resolveModel } from '../../models/node';
import { DEFAULT_MAX_BODY_BYTES, DEFAULT_PORT, DEFAULT_SHUTDOWN_GRACE_MS, startServer } from '../serve';
import { numericsOption } from './model-options';
import { nonNegativeNumber, positiveInt } from './options';

interface ServeFlags {
  model: string;
  host: string;
  port: number;
  servedModelName?: string;
  apiKey?: string;
  /** false with --no-auth. */
  auth: boolean;
  maxBodyMb: number;
  device: 'auto' | 'cpu' | 'cuda' | 'webgpu';
  dtype: Dtype | 'auto';
  threads?: number;
  maxBatch?: number;
  numerics: 'exact' | 'fast';
  prefixCacheMb?: number;
  offline?: boolean;
  gracePeriod: number;
}

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new IpdError('USAGE', `--port must be an integer 0..65535 (got "${value}")`);
  return n;
}

const isLoopback = (host: string) => host === 'localhost' || host === '::1' || host.startsWith('127.');

/**
 * Off loopback, every machine that can reach the port can use the model (and the machine's
 * compute): a key is required unless --no-auth says that is meant. Checked before the model loads.
 */
function checkExposure(flags: ServeFlags): void {
  if (flags.apiKey && !flags.auth) throw new IpdError('USAGE', '--no-auth and --api-key contradict each other', { hint: 'drop one of them' });
  if (isLoopback(flags.host) || flags.apiKey || !flags.auth) return;
  throw new IpdError('USAGE', `--host ${flags.host} exposes the server to other machines, and no --api-key is set`, {
    hint: 'pass --api-key KEY (or set IPDIALOG_API_KEY) and give clients the key; or --no-auth to let anyone who can reach the port use it',
  });
}

/** Resolves on the first SIGTERM/SIGINT; a second one exits at once. */
function firstSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const onSignal = (sig: NodeJS.Signals) => {
      process.off('SIGTERM', onSignal).off('SIGINT', onSignal);
      process.once('SIGTERM', () => process.exit(143)).once('SIGINT', () => process.exit(130));
      resolve(sig);
    };
    process.on('SIGTERM', onSignal).on('SIGINT', onSignal);
  });
}

export function serveCommand(): Command {
  return new Command('serve')
    .description('serve a model over an OpenAI-compatible HTTP API: /v1/chat/completions, /v1/completions, /v1/models')
    .requiredOption('--model <id-or-dir>', 'local model folder (transformers.js layout) or Hugging Face id')
    .option('--host <addr>', 'address to bind; anything but loopback exposes the server to the network', '127.0.0.1')
    .option('--port <n>', 'port to listen on (0 picks a free one)', port, DEFAULT_PORT)
    .option('--served-model-name <name>', 'the model name clients send and /v1/models lists (default: --model as given)')
    .addOption(new Option('--api-key <key>', 'require "Authorization: Bearer <key>" on every request (required off loopback unless --no-auth)').env('IPDIALOG_API_KEY'))
    .option('--no-auth', 'off loopback: serve without an API key, to anyone who can reach the port (requests and answers travel unencrypted)')
    .option('--max-body-mb <n>', 'larger request bodies get HTTP 413', nonNegativeNumber('--max-body-mb'), DEFAULT_MAX_BODY_BYTES / (1024 * 1024))
    .addOption(new Option('--device <name>', 'execution provider').choices(['auto', 'cpu', 'cuda', 'webgpu']).default('cpu'))
    .option('--dtype <dtype>', 'weights: auto, fp32, fp16, q8, q4, q4f16 (picks onnx/model_<suffix>.onnx)', parseDtype, 'auto')
    .option('--threads <n>', 'onnxruntime intra-op threads (default: all cores)', positiveInt('--threads'))
    .option('--max-batch <n>', 'most requests decoding together; more wait in the queue', positiveInt('--max-batch'))
    .option('--prefix-cache-mb <n>', 'memory for reusable prompt-prefix KV (0 disables)', nonNegativeNumber('--prefix-cache-mb'))
    .addOption(numericsOption())
    .option('--offline', 'never touch the network; hub models must be in the cache')
    .option('--grace-period <s>', 'on SIGTERM/SIGINT: seconds in-flight requests get to finish before they are cancelled', nonNegativeNumber('--grace-period'), DEFAULT_SHUTDOWN_GRACE_MS / 1000)
    .action(async (flags: ServeFlags) => {
      checkExposure(flags);
      const model = await resolveModel(flags.model, { dtype: flags.dtype, offline: flags.offline });
      const engine = await createLlmEngine(model, {
        device: flags.device,
        threads: flags.threads,
        maxBatch: flags.maxBatch,
        numerics: flags.numerics,
        prefixCacheBytes: flags.prefixCacheMb === undefined ? undefined : flags.prefixCacheMb * 1024 * 1024,
      });
      const signal = firstSignal();
      const log = (line: string) => process.stderr.write(`${line}\n`);
      const modelName = flags.servedModelName ?? flags.model;
      const server = await startServer({ engine, modelName, config: model.config, host: flags.host, port: flags.port, apiKey: flags.apiKey, maxBodyBytes: Math.round(flags.maxBodyMb * 1024 * 1024), log }).catch(
        async (err: unknown) => {
          await engine.dispose();
          throw err;
        },
      );
      if (!isLoopback(flags.host) && !flags.auth) {
        process.stderr.write(`warning: --no-auth: anyone who can reach ${flags.host}:${server.port} can use this server without a key; requests and answers travel unencrypted\n`);
      }
      // Scripts and tests read this line for the URL (the port when --port 0).
      process.stdout.write(`serving ${modelName} on ${engine.info.device} at ${server.url}\n`);

      const sig = await signal;
      process.stderr.write(`${sig}: no new requests; ${server.numInFlight} in flight get up to ${flags.gracePeriod}s\n`);
      const report = await server.shutdown(flags.gracePeriod * 1000);
      await engine.dispose();
      process.stderr.write(`stopped: ${report.numFinished} finished, ${report.numCancelled} cancelled\n`);
    });
}
