// Node-only entry of models/: resolving local folders (and hub ids) to files on disk.
export { resolveModelFolder, pickOnnxFile } from './resolve';
export type { ResolvedModel, ResolveModelOptions } from './resolve';
