// Step "answers": one prompt per request; the reply becomes the question's GT.
import { IpdError } from '../../../common';
import { parseAnswerReply } from '../answer';
import { isPlaceholderRequest } from '../parse';
import { answerPrompt } from '../prompts';
import type { Question, RequestList } from '../records';
import { ask, clip, type Stage } from '../stage';
import { requestUnitKey } from './requests';

export type AnswerUnit = Omit<Question, 'GT'>;

export function answerUnitKey(u: AnswerUnit): string {
  return `${requestUnitKey(u)}/${u.request_index}`;
}

export function planAnswerUnits(lists: readonly RequestList[]): AnswerUnit[] {
  return lists.flatMap((l) =>
    l.requests.map((request, request_index) => ({
      task: l.task,
      task_index: l.task_index,
      domain_index: l.domain_index,
      subject_index: l.subject_index,
      request_index,
      domain: l.domain,
      user_attr_group: l.user_attr_group,
      request,
    })),
  );
}

export function createAnswersStage(): Stage<AnswerUnit, Question> {
  return {
    step: 'answers',
    key: answerUnitKey,
    async run(u, ctx) {
      const key = answerUnitKey(u);
      if (!ctx.extraction) throw new IpdError('INTERNAL', 'the answers step needs the response extraction');
      // The original generated these and dropped them afterwards; skipping saves the call.
      if (isPlaceholderRequest(u.request)) return { key, outputs: [], calls: 0, parsed: 0, parseFailures: 0, dropped: 'placeholder_request', detail: u.request };
      const reply = await ask(ctx, answerPrompt(u.task, u.request, u.user_attr_group), ['answers', key]);
      if (!reply.ok) return { key, outputs: [], calls: 1, parsed: 0, parseFailures: 0, dropped: 'generation_error', detail: clip(reply.error) };
      const gt = parseAnswerReply(reply.text, u.task, u.user_attr_group, ctx.extraction);
      if (!gt.ok) return { key, outputs: [], calls: 1, parsed: 0, parseFailures: 1, dropped: gt.reason, detail: clip(gt.detail ?? reply.text) };
      return { key, outputs: [{ ...u, GT: gt.value }], calls: 1, parsed: 1, parseFailures: 0 };
    },
  };
}
