import { IpdError } from '../../../common';
import { byId, el } from './dom';

/** Shows one error the way the CLI prints it: what, where, how to fix. */
export function showError(err: unknown): IpdError {
  const e = IpdError.from(err);
  const box = byId('error');
  box.replaceChildren(
    el('strong', {}, `${e.code}: `),
    el('span', { className: 'message' }, e.message),
    ...(e.file && !e.message.includes(e.file) ? [el('div', { className: 'where' }, `File: ${e.file}${e.field ? ` (${e.field})` : ''}`)] : []),
    ...(e.hint ? [el('div', { className: 'hint' }, `Hint: ${e.hint}.`)] : []),
  );
  box.dataset.code = e.code;
  box.hidden = false;
  return e;
}

export function clearError(): void {
  const box = byId('error');
  box.hidden = true;
  box.replaceChildren();
  delete box.dataset.code;
}
