// Node-only helpers shared by the Node entry points of each folder.
export { cacheDir } from './cache-dir';
export { downloadVerified } from './download';
export { sha256File, sha256Files } from './file-hash';
