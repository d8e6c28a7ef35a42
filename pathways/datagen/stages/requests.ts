// Step "requests": per subject, three prompts, each with the next attribute group of the
// pool; risk_detect gets its fixed request without a model call.
import type { Task } from '../../attributes';
import type { AttributeGroup } from '../attribute-groups';
import { parseRequests } from '../parse';
import { RISK_DETECT_REQUEST, requestsPrompt } from '../prompts';
import type { RequestList, SubjectList } from '../records';
import { ask, clip, type Stage } from '../stage';

/** Attribute groups per subject: the original made three request prompts for each subject. */
export const GROUPS_PER_SUBJECT = 3;

export type RequestUnit = Omit<RequestList, 'requests'> & { domain: string; subject: string };

export function requestUnitKey(u: Pick<RequestList, 'task' | 'task_index' | 'domain_index' | 'subject_index'>): string {
  return `${u.task}/${u.task_index}/${u.domain_index}/${u.subject_index}`;
}

/**
 * Units for every subject of every list, in order. Each task walks the group pool from its
 * start (the original re-read the pool per task), wrapping around when it runs out.
 */
export function planRequestUnits(lists: readonly SubjectList[], pool: readonly AttributeGroup[]): RequestUnit[] {
  const used = new Map<Task, number>();
  const out: RequestUnit[] = [];
  for (const list of lists) {
    list.subjects.forEach((subject, domain_index) => {
      for (let subject_index = 0; subject_index < GROUPS_PER_SUBJECT; subject_index++) {
        const n = used.get(list.task) ?? 0;
        used.set(list.task, n + 1);
        out.push({
          task: list.task,
          task_index: list.task_index,
          domain_index,
          subject_index,
          domain: list.domain,
          subject,
          user_attr_group: pool[n % pool.length],
        });
      }
    });
  }
  return out;
}

/** risk_detect: `count` users from the pool, each asking the fixed request. */
export function planRiskDetect(pool: readonly AttributeGroup[], count: number): RequestList[] {
  return Array.from({ length: count }, (_, i) => ({
    task: 'risk_detect' as const,
    task_index: i,
    domain_index: -1,
    subject_index: -1,
    domain: null,
    subject: null,
    user_attr_group: pool[i % pool.length],
    requests: [RISK_DETECT_REQUEST],
  }));
}

export function createRequestsStage(): Stage<RequestUnit, RequestList> {
  return {
    step: 'requests',
    key: requestUnitKey,
    async run(u, ctx) {
      const key = requestUnitKey(u);
      const reply = await ask(ctx, requestsPrompt(u.task, u.domain, u.subject, u.user_attr_group), ['requests', key]);
      if (!reply.ok) return { key, outputs: [], calls: 1, parsed: 0, parseFailures: 0, dropped: 'generation_error', detail: clip(reply.error) };
      const parsed = parseRequests(reply.text);
      if (!parsed.ok) return { key, outputs: [], calls: 1, parsed: 0, parseFailures: 1, dropped: parsed.reason, detail: clip(parsed.detail ?? reply.text) };
      return { key, outputs: [{ ...u, requests: parsed.value }], calls: 1, parsed: 1, parseFailures: 0, counters: { requests: parsed.value.length } };
    },
  };
}
