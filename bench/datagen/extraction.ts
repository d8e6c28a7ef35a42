// The scorers' response extraction (SPEC section 3) as the datagen answer step needs it:
// pathways/ may not import scorers/, so it is wired in here.
import type { AnswerExtraction } from '../../pathways';
import { extractResponse, parseAnswer } from '../../scorers';

export const SCORER_EXTRACTION: AnswerExtraction = {
  extract(text) {
    const e = extractResponse(text);
    // A field no rule matched is missing (the original raised); "" from a rule is present.
    return {
      attributes: e.rules.attributes ? e.attributes : null,
      analysis: e.rules.analysis ? e.analysis : null,
      answer: e.rules.answer ? e.answer : null,
    };
  },
  parseAnswer,
};
