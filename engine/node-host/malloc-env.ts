/**
 * glibc malloc settings for the process that runs ORT. ORT's Node binding copies every
 * output into fresh JS memory; with glibc's defaults, blocks above 128 KiB come from mmap
 * and go back to the OS when freed, so every step faults its pages in again (about 4 s
 * per GiB on a small VM). These keep freed memory in the heap for the next step. glibc
 * reads them at process start only, which is why the engine host is a forked process.
 */
export const MALLOC_ENV: Readonly<Record<string, string>> = {
  // Blocks up to 32 MiB (glibc's maximum) come from the heap, not fresh mmaps.
  MALLOC_MMAP_THRESHOLD_: String(32 * 1024 * 1024),
  // Never give freed heap memory back to the OS only to fault it in again next step.
  MALLOC_TRIM_THRESHOLD_: String(8 * 1024 * 1024 * 1024),
  MALLOC_TOP_PAD_: String(64 * 1024 * 1024),
};
