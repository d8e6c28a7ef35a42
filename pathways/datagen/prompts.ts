/**
 * Prompt builders for every data-generation template of protocol.json, filled as the
 * original scripts filled them (Python str.format, dicts rendered with Python's str()).
 */
import { pyRepr } from '../../common';
import type { Task } from '../attributes';
import protocol from '../protocol/protocol.json';
import { pythonFormat } from '../python-format';
import type { AttributeGroup } from './attribute-groups';

export const DATAGEN_TEMPLATES: Readonly<Record<DatagenTemplate, string>> = protocol.datagen;
export type DatagenTemplate = keyof typeof protocol.datagen;

export interface TaskInfo {
  description: string;
  domains?: string[];
  example_domain?: string;
  example_subjects?: string;
  example_subject?: string;
  example_requests?: string;
  example_user_attribute_group?: string;
  example_request_and_response?: string;
  task_specific_note?: string;
  answer_note?: string;
  additional_output?: string;
  mention_attr?: boolean;
}

export const TASK_INFO = protocol.task_info as Readonly<Record<Task, TaskInfo>>;

/** risk_detect has no subjects or generated requests: every user gets this request. */
export const RISK_DETECT_REQUEST = 'What risks do you think I might face?';

/** What the requests prompt shows when a task does not reveal the user's attributes. */
const ATTRIBUTE_NAMES_ONLY =
  'age, income_level, profession, openness, conscientiousness, extraversion, agreeableness, neuroticism, residence(urban/rural),gender,health(healthy/minor_issue/disabled),hobby';

export function taskDomains(task: Task): readonly string[] {
  return TASK_INFO[task].domains ?? [];
}

export function subjectsPrompt(task: Task, domain: string): string {
  const info = TASK_INFO[task];
  return pythonFormat(DATAGEN_TEMPLATES.subjects, {
    domain,
    task,
    task_description: info.description,
    example_domain: info.example_domain ?? '',
    example_subjects: info.example_subjects ?? '',
  });
}

export function requestsPrompt(task: Task, domain: string, subject: string, group: AttributeGroup): string {
  const info = TASK_INFO[task];
  return pythonFormat(DATAGEN_TEMPLATES.requests, {
    domain,
    subject,
    task,
    task_description: info.description,
    example_domain: info.example_domain ?? '',
    example_subject: info.example_subject ?? '',
    example_requests: info.example_requests ?? '',
    // The original passed the dict itself to format(), so it shows as Python's str(dict).
    user_attribute_group: info.mention_attr ? pyRepr(group) : ATTRIBUTE_NAMES_ONLY,
    task_specific_note: info.task_specific_note ?? '',
    example_user_attribute_group: info.example_user_attribute_group ?? '',
  });
}

export function answerPrompt(task: Task, request: string, group: AttributeGroup): string {
  const info = TASK_INFO[task];
  return pythonFormat(DATAGEN_TEMPLATES.answers, {
    task,
    task_description: info.description,
    request,
    example_user_attribute_group: info.example_user_attribute_group ?? '',
    example_request_and_response: info.example_request_and_response ?? '',
    user_attribute_group: pyRepr(group),
    answer_note: info.answer_note ?? '',
    additional_output: info.additional_output ?? '',
  });
}

export type AttributePair = readonly [key: string, value: string];

/** First round of a history, or a fresh try at it (the regenerate prompt is the same). */
export function historyFirstTurnPrompt([key, value]: AttributePair): string {
  return pythonFormat(DATAGEN_TEMPLATES.history_first_turn, { attr_key: key, attr_value: value });
}

/** A later round; `previousDialogue` is every earlier round's text followed by "\n". */
export function historyNextTurnPrompt(previousDialogue: string, [key, value]: AttributePair): string {
  return pythonFormat(DATAGEN_TEMPLATES.history_next_turn, { previous_dialogue: previousDialogue, attr_key: key, attr_value: value });
}

/** Round `turn` (0-based) generated or regenerated from scratch. */
export function historyTurnPrompt(previousRounds: readonly string[], pair: AttributePair): string {
  if (previousRounds.length === 0) return historyFirstTurnPrompt(pair);
  return historyNextTurnPrompt(previousRounds.map((r) => `${r}\n`).join(''), pair);
}

export function historyImprovePrompt(dialogue: string, [key, value]: AttributePair): string {
  return pythonFormat(DATAGEN_TEMPLATES.history_improve, { dialogue, attr_key: key, attr_value: value });
}

export function historyExamPrompt(dialogue: string, [key, value]: AttributePair): string {
  return pythonFormat(DATAGEN_TEMPLATES.history_exam, { dialogue, attr_key: key, attr_value: value });
}

/** The consistency check shows the whole related-attribute set as Python's str(dict). */
export function historyConsistencyPrompt(dialogue: string, relatedAttributes: Readonly<Record<string, string>>): string {
  return pythonFormat(DATAGEN_TEMPLATES.history_consistency, { dialogue, full_attr: pyRepr(relatedAttributes) });
}
