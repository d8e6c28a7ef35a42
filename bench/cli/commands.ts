import type { Command } from 'commander';
import { generateCommand } from './generate';
import { promptsCommand } from './prompts';

/** Every CLI command, one file each. */
export const commands: Array<() => Command> = [promptsCommand, generateCommand];
