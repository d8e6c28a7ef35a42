// The device bundle's layout, shared by the builder (here) and the code that unpacks and runs it
// on the lent machine (runtime/): one place names every file both sides agree on.

/** The bundle travels with the working tree to the lent machine (64 MiB in all there). */
export const GPU_BUNDLE_MAX_BYTES = 60 * 1024 * 1024;

export const MANIFEST_FILE = 'manifest.json';
/** Sourced by run.sh: the defaults the builder chose (presets present in this build). */
export const DEFAULTS_FILE = 'bundle.env';
/** Node, gzip'd: bash and gzip are all a bare machine needs to start it. */
export const NODE_ARCHIVE = 'runtime/node.gz';
/** Unpacks everything else (xz, and the Vulkan loader's .deb) with the unpacked Node. */
export const UNPACK_SCRIPT = 'unpack.mjs';
/** Every other file, xz-compressed one by one: `payload/<target>.xz`. */
export const PAYLOAD_DIR = 'payload';
/** The .deb files, one folder per set: `debs/<set>/`. */
export const DEB_DIR = 'debs';
/**
 * Debian packages (bookworm, amd64), each folder of the bundle unpacked into the prefix folder of
 * the same name. vulkan/: the loader, always the bundle's. driver-deps/: what the NVIDIA Vulkan
 * driver (libGLX_nvidia) links and a bare machine may lack (glvnd's dispatcher, X11 client
 * libraries and theirs); run.sh puts a copy on the library path only for those this machine has not.
 */
export const DEB_SETS = {
  vulkan: ['libvulkan1'],
  'driver-deps': ['libglvnd0', 'libx11-6', 'libxext6', 'libxcb1', 'libxau6', 'libxdmcp6', 'libbsd0', 'libmd0'],
} as const;
export type DebSet = keyof typeof DEB_SETS;

/**
 * Targets inside the private prefix (run.sh's work folder). The JS sits two folders below
 * app/ because modules find the package root as `../..` from their own file
 * (bench/run/environment.ts), and in a bundle every module's file is the bundle's.
 */
export const APP_JS_DIR = 'app/dist/cli';
export const CLI_FILE = `${APP_JS_DIR}/ipdialog.mjs`;
export const TOOL_FILE = `${APP_JS_DIR}/gpu-bench.mjs`;
/** Where a deb set is unpacked (its libraries then lie under usr/lib/x86_64-linux-gnu). */
export const debPrefix = (set: DebSet) => set;
/** The official test set, where `resolveDataFile()` looks before downloading ($XDG_CACHE_HOME=<prefix>/cache). */
export const DATA_CACHE_DIR = 'cache/ipdialog/data';

/**
 * Models run.sh generates by default, in this order (small first: a time limit cuts the big
 * ones). The builder keeps those the factory of this build knows.
 */
export const GPU_BENCH_PRESETS = ['bench', 'qwen2.5-0.5b'] as const;
export const GPU_BENCH_DTYPES = ['fp32', 'fp16'] as const;

export interface PayloadFile {
  /** Path under the private prefix. */
  target: string;
  /** Path of the compressed file under the bundle folder. */
  archive: string;
  bytes: number;
  sha256: string;
  mode: number;
}

export interface GpuBundleManifest {
  format: 1;
  builtAt: string;
  gitRev?: string;
  node: { version: string; source: string; stripped: boolean; sha256: string };
  onnxruntimeNode: string;
  /** Per deb set, the .deb files in its folder. */
  debs: Record<DebSet, string[]>;
  presets: string[];
  dtypes: string[];
  files: PayloadFile[];
  /** Bytes on disk per part of the bundle (all but this manifest), for the size report. */
  sizes: Record<string, number>;
}
