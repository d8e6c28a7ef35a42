import { parentPort } from 'node:worker_threads';
import { IpdError } from '../../common';
import { CoreLoop } from '../core-loop';
import { loadCore } from './load-core';
import type { FromWorker, ToWorker } from './worker-protocol';

// Hosted in a worker thread (parentPort) or a forked process (process.send).
const post: (m: FromWorker) => void = parentPort ? (m) => parentPort!.postMessage(m) : (m) => process.send!(m);
const onMessage = (fn: (m: ToWorker) => void) => (parentPort ? parentPort.on('message', fn) : process.on('message', fn));
let loop: CoreLoop | undefined;

// A forked host dies with its parent: the IPC channel closes even when the parent is SIGKILLed.
if (!parentPort) process.on('disconnect', () => process.exit(0));

onMessage((msg: ToWorker) => {
  void handle(msg).catch((err) => post({ kind: 'error', id: msg.id, payload: IpdError.from(err).toRecord() }));
});

async function handle(msg: ToWorker): Promise<void> {
  switch (msg.kind) {
    case 'init': {
      const loaded = await loadCore(msg.payload.model, msg.payload.options);
      loop = new CoreLoop(loaded.core, { device: loaded.device, lean: loaded.lean, notes: loaded.notes, pid: process.pid, graphFile: loaded.graphFile }, () => loaded.release());
      loop.onOutputs((outs) => post({ kind: 'outputs', payload: outs }));
      post({ kind: 'ready', id: msg.id, payload: loop.info });
      return;
    }
    case 'add':
      requireLoop().add(msg.payload);
      return;
    case 'abort':
      requireLoop().abort(msg.payload);
      return;
    case 'stats':
      post({ kind: 'stats', id: msg.id, payload: await requireLoop().stats() });
      return;
    case 'dispose':
      await loop?.dispose();
      post({ kind: 'disposed', id: msg.id });
      return;
  }
}

function requireLoop(): CoreLoop {
  if (!loop) throw new IpdError('INTERNAL', 'engine worker used before init');
  return loop;
}
