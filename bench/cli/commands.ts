import type { Command } from 'commander';
import { compareCommand } from './compare';
import { datagenCommand } from './datagen';
import { exportSftCommand } from './export-sft';
import { generateCommand } from './generate';
import { promptsCommand } from './prompts';
import { reportCommand } from './report';
import { serveCommand } from './serve';
import { scoreCommand } from './score';
import { tinyModelCommand } from './tiny-model';

/** Every CLI command, one file each. */
export const commands: Array<() => Command> = [promptsCommand, generateCommand, scoreCommand, serveCommand, tinyModelCommand, reportCommand, compareCommand, datagenCommand, exportSftCommand];
