import type { Command } from 'commander';
import { benchCommand } from './bench';
import { benchWorkerCommand } from './bench-worker';
import { compareCommand } from './compare';
import { dataReportCommand } from './data-report';
import { datagenCommand } from './datagen';
import { exportSftCommand } from './export-sft';
import { generateCommand } from './generate';
import { judgeCommand } from './judge';
import { judgeAgreementCommand } from './judge-agreement';
import { modelsCommand } from './models';
import { promptsCommand } from './prompts';
import { reportCommand } from './report';
import { runCommand } from './run';
import { serveCommand } from './serve';
import { scoreCommand } from './score';
import { tinyModelCommand } from './tiny-model';

/** Every CLI command, one file each. */
export const commands: Array<() => Command> = [promptsCommand, runCommand, judgeCommand, judgeAgreementCommand, generateCommand, scoreCommand, serveCommand, tinyModelCommand, modelsCommand, reportCommand, compareCommand, datagenCommand, exportSftCommand, dataReportCommand, benchCommand];

/** Internal commands, left out of --help. */
export const hiddenCommands: Array<() => Command> = [benchWorkerCommand];
