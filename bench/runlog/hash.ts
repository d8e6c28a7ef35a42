// SHA-256 through Web Crypto, the same code in the browser and in Node (>= 20): the dataset
// and prompt-template hashes in run.json and the report's Content-Security-Policy script hashes.
import { TABLES, type Pathway } from '../../pathways';

async function sha256(data: Uint8Array | string): Promise<Uint8Array> {
  const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
  return new Uint8Array(await globalThis.crypto.subtle.digest('SHA-256', bytes as BufferSource));
}

export async function sha256Hex(data: Uint8Array | string): Promise<string> {
  return Array.from(await sha256(data), (b) => b.toString(16).padStart(2, '0')).join('');
}

export async function sha256Base64(data: Uint8Array | string): Promise<string> {
  let binary = '';
  for (const b of await sha256(data)) binary += String.fromCharCode(b);
  return btoa(binary);
}

/**
 * sha256 of everything that renders a pathway's prompts besides the item: its template and the
 * protocol tables it fills in. Equal hashes, equal prompts for the same data file (run.json
 * `spec.pathway_templates`, from `ipdialog run` and the browser app alike).
 */
export function pathwayTemplateHash(pathway: Pathway): Promise<string> {
  const { task_definition, answer_note, answer_format, attribute_group } = TABLES;
  return sha256Hex(JSON.stringify({ template: pathway.template, task_definition, answer_note, answer_format, attribute_group }));
}
