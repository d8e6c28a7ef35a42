// METEOR as the official scorer ran it: NLTK word_tokenize on both texts, then NLTK 3.8
// meteor_score with Porter stems and WordNet 3.0 synonyms. Data comes in through MeteorResources.
import { meteorScore, NLTK_METEOR_PARAMS, type MeteorParams } from './meteor';
import { createPorterStemmer } from './porter';
import type { PunktModel } from './punkt';
import { createSynonymFinder, type WordNet } from './wordnet';
import { createWordTokenizer } from './word-tokenize';

export interface MeteorResources {
  punkt: PunktModel;
  wordnet: WordNet;
}

export interface MeteorResult {
  score: number;
  referenceTokens: string[];
  hypothesisTokens: string[];
}

export type TextMetric = (referenceText: string, hypothesisText: string) => MeteorResult;

export function createMeteor(resources: MeteorResources, params: MeteorParams = NLTK_METEOR_PARAMS): TextMetric {
  const tokenize = createWordTokenizer(resources.punkt);
  const matchers = { stem: createPorterStemmer(), synonyms: createSynonymFinder(resources.wordnet) };
  return (referenceText, hypothesisText) => {
    const referenceTokens = tokenize(referenceText);
    const hypothesisTokens = tokenize(hypothesisText);
    return { score: meteorScore(referenceTokens, hypothesisTokens, matchers, params), referenceTokens, hypothesisTokens };
  };
}

export { meteorScore, alignWords, NLTK_METEOR_PARAMS } from './meteor';
export type { MeteorParams, MeteorMatchers } from './meteor';
export { porterStem, createPorterStemmer } from './porter';
export { PunktSentenceTokenizer, createPunktModel } from './punkt';
export type { PunktModel, PunktPack } from './punkt';
export { createEnglishPunktModel, ENGLISH_COLLOCATIONS } from './punkt-english';
export { createWordTokenizer, treebankTokenize } from './word-tokenize';
export { morphy, synsetLemmaNames, createSynonymFinder, WORDNET_POS } from './wordnet';
export type { WordNet, WordNetPos } from './wordnet';
export { createWordNetFromFiles, wordNetFileNames, WORDNET_FILE_SUFFIX } from './wordnet-files';
export type { WordNetFiles } from './wordnet-files';
export { readTar } from './tar';
