import type { Command } from 'commander';
import { generateCommand } from './generate';
import { promptsCommand } from './prompts';
import { serveCommand } from './serve';
import { scoreCommand } from './score';

/** Every CLI command, one file each. */
export const commands: Array<() => Command> = [promptsCommand, generateCommand, scoreCommand, serveCommand];
