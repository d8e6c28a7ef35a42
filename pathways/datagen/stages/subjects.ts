// Step "subjects": one prompt per (task, domain); the first K parsed subjects are kept.
import type { Task } from '../../attributes';
import { parseSubjects } from '../parse';
import { subjectsPrompt, taskDomains } from '../prompts';
import type { SubjectList } from '../records';
import { ask, clip, type Stage } from '../stage';

export interface SubjectUnit {
  task: Task;
  task_index: number;
  domain: string;
}

/** The (task, domain) units: every domain of each task with domains, the first `maxDomains` when given. */
export function planSubjectUnits(tasks: readonly Task[], maxDomains?: number): SubjectUnit[] {
  return tasks.flatMap((task) =>
    taskDomains(task)
      .slice(0, maxDomains ?? Infinity)
      .map((domain, task_index) => ({ task, task_index, domain })),
  );
}

export function createSubjectsStage(opts: { subjectsPerDomain: number }): Stage<SubjectUnit, SubjectList> {
  return {
    step: 'subjects',
    key: (u) => `${u.task}/${u.task_index}`,
    async run(u, ctx) {
      const key = `${u.task}/${u.task_index}`;
      const reply = await ask(ctx, subjectsPrompt(u.task, u.domain), ['subjects', key]);
      if (!reply.ok) return { key, outputs: [], calls: 1, parsed: 0, parseFailures: 0, dropped: 'generation_error', detail: clip(reply.error) };
      const parsed = parseSubjects(reply.text);
      if (!parsed.ok) return { key, outputs: [], calls: 1, parsed: 0, parseFailures: 1, dropped: parsed.reason, detail: clip(parsed.detail ?? reply.text) };
      const subjects = parsed.value.slice(0, opts.subjectsPerDomain);
      return { key, outputs: [{ ...u, subjects }], calls: 1, parsed: 1, parseFailures: 0, counters: { subjects: subjects.length } };
    },
  };
}
