import { IpdError } from '../../../common';

/** The element with this id; a missing one is a bug in index.html, so it throws. */
export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new IpdError('INTERNAL', `index.html has no #${id}`, { hint: 'the page and its script are out of step: rebuild the app' });
  return el as T;
}

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, props: Partial<HTMLElementTagNameMap[K]> = {}, ...children: (Node | string)[]): HTMLElementTagNameMap[K] {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children);
  return node;
}

/** The page's coarse state, for people (styles) and for the end-to-end tests (waits). */
export type PageState = 'idle' | 'loading' | 'ready' | 'running' | 'done' | 'error';

export function setPageState(state: PageState): void {
  document.body.dataset.state = state;
}

export function downloadText(fileName: string, text: string, type = 'application/json'): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = el('a', { href: url, download: fileName });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
