import { IpdError } from '../common';

/**
 * Python `str.format` with named fields, substituted in ONE pass: `{name}` is replaced,
 * `{{` and `}}` are literal braces, and braces inside values are left alone.
 */
export function pythonFormat(template: string, values: Readonly<Record<string, string>>): string {
  return template.replace(/\{\{|\}\}|\{([^{}]*)\}/g, (match, name: string | undefined) => {
    if (match === '{{') return '{';
    if (match === '}}') return '}';
    const key = name ?? '';
    if (!Object.prototype.hasOwnProperty.call(values, key)) {
      throw new IpdError('INTERNAL', `template placeholder {${key}} has no value`, { field: key });
    }
    return values[key];
  });
}

/** The placeholder names a template uses, in order of first use. */
export function templateFields(template: string): string[] {
  const names: string[] = [];
  for (const m of template.matchAll(/\{\{|\}\}|\{([^{}]*)\}/g)) {
    if (m[1] !== undefined && !names.includes(m[1])) names.push(m[1]);
  }
  return names;
}
