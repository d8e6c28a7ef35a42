import type { Command } from 'commander';
import { generateCommand } from './generate';
import { promptsCommand } from './prompts';
import { serveCommand } from './serve';
import { scoreCommand } from './score';
import { tinyModelCommand } from './tiny-model';

/** Every CLI command, one file each. */
export const commands: Array<() => Command> = [promptsCommand, generateCommand, scoreCommand, serveCommand, tinyModelCommand];
