import { describe, expect, it } from 'vitest';
import { extractResponse } from '../../scorers';

describe('extractResponse: bracketed fields', () => {
  it('reads the bracketed fields, non-greedy and across lines, and trims group 1', () => {
    const ex = extractResponse('- Attributes: [ age: adult,\n gender: male ]\n- Analysis: [You like [x.]\n- Answer: [ yes ] trailing ]');
    expect(ex).toMatchObject({ attributes: 'age: adult,\n gender: male', analysis: 'You like [x.', answer: 'yes', rules: { attributes: 'bracket', analysis: 'bracket', answer: 'bracket' } });
  });

  it('reads the pathway attribute field; "Attribute Values" also matches inside longer names, as officially', () => {
    const text = 'Related Attribute Values: [age: adult]\nFull Attribute Values: [age: child]';
    expect(extractResponse(text, 'Related Attribute Values').attributes).toBe('age: adult');
    expect(extractResponse(text, 'Full Attribute Values').attributes).toBe('age: child');
    expect(extractResponse(text, 'Attribute Values').attributes).toBe('age: adult');
    expect(extractResponse(text, 'Attributes').rules.attributes).toBeUndefined();
  });

  it('falls back to markdown, then JSON (brackets kept) for attributes', () => {
    expect(extractResponse('- **Attributes**: [age: adult]')).toMatchObject({ attributes: 'age: adult', rules: { attributes: 'markdown_bracket' } });
    expect(extractResponse('{"Attributes": ["age: adult", "x"]}')).toMatchObject({ attributes: '["age: adult", "x"]', rules: { attributes: 'json_list' } });
  });

  it('leaves missing fields empty and reports no rule for them', () => {
    expect(extractResponse('nothing here')).toEqual({ attributes: '', analysis: '', answer: '', rules: {} });
  });
});

describe('extractResponse: analysis fallbacks, in order', () => {
  it('takes "Analysis:" text up to a "- Answer" item', () => {
    const ex = extractResponse('Analysis: you cook a lot.\nMore.\n- Answer: yes');
    expect(ex).toMatchObject({ analysis: 'you cook a lot.\nMore.', answer: 'yes]', rules: { analysis: 'until_dash_answer', answer: 'until_next_item' } });
  });

  it('stops "Analysis:" at a final "-" item too (Python `$` in the lookahead)', () => {
    expect(extractResponse('Analysis: short\n-  \n').analysis).toBe('short');
  });

  it('gives back whitespace when the terminator is inside it: an empty analysis', () => {
    expect(extractResponse('Analysis:\n- Answer').rules.analysis).toBe('until_dash_answer');
    expect(extractResponse('Analysis:\n- Answer').analysis).toBe('');
  });

  it('matches the bold patterns ignoring case, with Python case folding (ſ, ı)', () => {
    expect(extractResponse('**ANALYSIS**: bold text\n- **answer**: no')).toMatchObject({ analysis: 'bold text', rules: { analysis: 'bold' } });
    expect(extractResponse('**Analyſiſ:** colon form\n  - **Answer:** yes')).toMatchObject({ analysis: 'colon form', rules: { analysis: 'bold_colon' } });
    expect(extractResponse('"analysıs": [json form]').rules.analysis).toBe('json_bracket');
  });
});

describe('extractResponse: answer fallbacks, in order', () => {
  it('reads a numbered list after "Answer:" and a newline to the end of the text', () => {
    const ex = extractResponse('Answer:\n1. first\n2. second\nNote: end');
    expect(ex).toMatchObject({ answer: '1. first\n2. second\nNote: end', rules: { answer: 'numbered_list' } });
  });

  it('keeps the appended "]" for later patterns: an unclosed bracket matches, free text ends in "]"', () => {
    expect(extractResponse('Answer: [yes')).toMatchObject({ answer: 'yes', rules: { answer: 'bracket_closed' } });
    expect(extractResponse('Answer: no\n- Note')).toMatchObject({ answer: 'no', rules: { answer: 'until_next_item' } });
    expect(extractResponse('Answer: no')).toMatchObject({ answer: 'no]', rules: { answer: 'until_next_item' } });
  });

  it('uses the markdown and JSON answer patterns only when "Answer:" is absent', () => {
    expect(extractResponse('- **Answer**: B, C\n- **Why**: x')).toMatchObject({ answer: 'B, C', rules: { answer: 'bold_until_next' } });
    expect(extractResponse('{"Answer": ["A", "B"]}')).toMatchObject({ answer: '["A", "B"]', rules: { answer: 'json_list' } });
  });

  it('treats Python whitespace (\\x1c, \\x85) as whitespace and the BOM as text', () => {
    expect(extractResponse('Answer:\x85[yes]').answer).toBe('yes');
    expect(extractResponse('Answer:\ufeff[yes]').rules.answer).toBe('until_next_item');
  });
});
