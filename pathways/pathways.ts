import { IpdError } from '../common';
import { historyText } from './history';
import protocol from './protocol/protocol.json';
import { pythonFormat } from './python-format';
import type { DialogItem } from './schema';
import type { Task } from './attributes';

export const PATHWAY_IDS = ['direct-response', 'attribute-filter', 'type-guided', 'full-attributes', 'task-related'] as const;
export type PathwayId = (typeof PATHWAY_IDS)[number];

/** The response field holding the model's attribute inference, read by the attribute metrics. */
export type AttributeField = 'Attributes' | 'Related Attribute Values' | 'Attribute Values' | 'Full Attribute Values';

export interface Pathway {
  id: PathwayId;
  /** The id in the official code and file names (hq_basic ... hq_cot4). */
  officialId: string;
  /** The name the paper uses. */
  paperName: string;
  /** Attribute field the scorer reads. direct-response never asks for it, so its attribute metrics are 0. */
  attributeField: AttributeField;
  template: string;
  /** The user message, byte-identical to the official rendered prompts. */
  render(item: DialogItem): string;
}

const PAPER_NAMES: Record<PathwayId, string> = {
  'direct-response': 'DirectResponse',
  'attribute-filter': 'AttributeFilter',
  'type-guided': 'TypeGuided',
  'full-attributes': 'FullAttributes',
  'task-related': 'TaskRelated',
};

const ATTRIBUTE_FIELDS: Record<PathwayId, AttributeField> = {
  'direct-response': 'Attributes',
  'attribute-filter': 'Related Attribute Values',
  'type-guided': 'Attribute Values',
  'full-attributes': 'Full Attribute Values',
  'task-related': 'Attributes',
};

export const TABLES = protocol.tables as {
  task_definition: Record<Task, string>;
  answer_note: Record<Task, string>;
  answer_format: Record<Task, string>;
  attribute_group: string;
  attribute_dict: Record<string, string[]>;
};

/** Values of every template placeholder for one item. */
export function promptFields(item: DialogItem): Record<string, string> {
  return {
    task: item.task,
    task_definition: TABLES.task_definition[item.task],
    history: historyText(item.history),
    answer_note: TABLES.answer_note[item.task],
    answer_format: TABLES.answer_format[item.task],
    request: item.request,
    attribute_group: TABLES.attribute_group,
  };
}

function createPathway(id: PathwayId): Pathway {
  const spec = protocol.pathways[id];
  return {
    id,
    officialId: spec.official_id,
    paperName: PAPER_NAMES[id],
    attributeField: ATTRIBUTE_FIELDS[id],
    template: spec.template,
    render: (item) => pythonFormat(spec.template, promptFields(item)),
  };
}

export const PATHWAYS: ReadonlyMap<PathwayId, Pathway> = new Map(PATHWAY_IDS.map((id) => [id, createPathway(id)]));

/** Accepts the CLI name, the official id (hq_cot2) or the paper name (TypeGuided). */
export function getPathway(name: string): Pathway {
  const lower = name.toLowerCase();
  for (const p of PATHWAYS.values()) {
    if (p.id === lower || p.officialId === lower || p.paperName.toLowerCase() === lower) return p;
  }
  throw new IpdError('USAGE', `unknown pathway "${name}"`, { hint: `use one of ${PATHWAY_IDS.join(', ')} or all` });
}

/** `all` -> the five pathways; otherwise a comma-separated list. */
export function resolvePathways(spec: string): Pathway[] {
  if (spec === 'all') return [...PATHWAYS.values()];
  return spec.split(',').map((s) => getPathway(s.trim()));
}
