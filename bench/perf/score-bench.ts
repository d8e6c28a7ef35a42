/**
 * Scoring benchmark: all 1,000 published Claude direct-response outputs, 3 runs, median.
 * Each run builds a fresh scorer (stem and synonym caches start empty); the METEOR data is
 * loaded once and timed separately. Target: under 10 s per run.
 *   npm run bench:score   (reference data from ../shared/ipdialog or IPDIALOG_REFERENCE)
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { getPathway, parseDataset } from '../../pathways';
import { loadEnglishPunkt, loadWordNet } from '../../scorers/node';
import { parsePredictions } from '../score/predictions';
import { scoreRun } from '../score/score-run';

const RUNS = 3;
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const refDir = process.env.IPDIALOG_REFERENCE ?? path.resolve(root, '../shared/ipdialog');

const dataFile = path.join(refDir, 'filtered_data_test_1000.jsonl');
const predFile = path.join(refDir, 'official-outputs/direct-response.claude.jsonl');
const items = parseDataset(await readFile(dataFile, 'utf8'), dataFile).items.map((l) => l.item);
const pathway = getPathway('direct-response');
const { predictions } = parsePredictions(await readFile(predFile, 'utf8'), predFile, items, pathway.id);

let t = performance.now();
const resources = { punkt: await loadEnglishPunkt(), wordnet: await loadWordNet() };
const loadMs = performance.now() - t;

const times: number[] = [];
for (let run = 0; run < RUNS; run++) {
  t = performance.now();
  const result = await scoreRun(pathway, predictions, resources);
  times.push(performance.now() - t);
  if (result.scores.length !== 1000) throw new Error('expected 1000 scored items');
}
const median = [...times].sort((a, b) => a - b)[Math.floor(RUNS / 2)];
const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
console.log(`METEOR data load (Punkt + WordNet 3.0 tarball): ${s(loadMs)}`);
console.log(`scoring 1000 items, ${RUNS} runs: ${times.map(s).join(', ')}`);
console.log(`median ${s(median)} (${((1000 / median) * 1000).toFixed(0)} items/s) - target < 10 s: ${median < 10_000 ? 'ok' : 'MISSED'}`);
