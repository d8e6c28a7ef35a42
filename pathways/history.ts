import type { DialogItem } from './schema';

/** History text as the benchmark renders it: every message `Speaker: content`, one per line. */
export function historyText(history: DialogItem['history']): string {
  return history.map((round) => round.map((m) => `${m.speaker}: ${m.content}`).join('\n')).join('\n');
}
