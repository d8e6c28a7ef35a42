/**
 * The reply a fine-tuned model should give for an item under each pathway, built from the
 * item's GT in the official answer layout. direct-response and full-attributes follow the
 * published training outputs byte for byte (alpaca_hq_basic_1000 / alpaca_hq_cot3_1000
 * `output`), except that full-attributes lists the user's 12 attribute values where the
 * published file wrote "[No Support]"; the other three follow their templates' Output
 * sections. Every field is in the bracketed form the scorers read first.
 */
import { ANSWER_KIND } from '../attributes';
import type { PathwayId } from '../pathways';
import type { DialogItem } from '../schema';
import { GROUP_KEY_ORDER } from './attribute-groups';

/** The GT answer as the official outputs print it inside "Answer: [...]". */
export function answerTargetText(item: Pick<DialogItem, 'task' | 'GT'>): string {
  const a = item.GT.answer;
  if (!Array.isArray(a)) return a;
  // Numbered lists: "1. x 2. y " (each item followed by a space); options: "A, B".
  return ANSWER_KIND[item.task] === 'list' ? a.map((x, i) => `${i + 1}. ${x} `).join('') : a.join(', ');
}

const pairs = (attrs: Readonly<Record<string, string>>, keys: readonly string[] = Object.keys(attrs)): string =>
  keys.filter((k) => k in attrs).map((k) => `${k}: ${attrs[k]}`).join(', ');

export function sftTarget(item: DialogItem, pathway: PathwayId): string {
  const related = item.GT.related_attributes;
  const full = pairs(item.user_attr_group, GROUP_KEY_ORDER);
  const tail = `- Analysis: [${item.GT.analysis}]\n- Answer: [${answerTargetText(item)}]`;
  switch (pathway) {
    case 'direct-response':
      return tail;
    case 'attribute-filter':
      return `- Full Attribute Values: [${full}]\n- Related Attribute Values: [${pairs(related)}]\n${tail}`;
    case 'type-guided':
      return `- Attribute Key: [${Object.keys(related).join(', ')}]\n- Attribute Values: [${pairs(related)}]\n${tail}`;
    case 'full-attributes':
      return `- Full Attribute Values: [${full}]\n${tail}`;
    case 'task-related':
      return `- Attributes: [${pairs(related)}]\n${tail}`;
  }
}
