import type { Command } from 'commander';
import { promptsCommand } from './prompts';

/** Every CLI command, one file each. */
export const commands: Array<() => Command> = [promptsCommand];
