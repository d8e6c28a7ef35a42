// Debian packages for the lent machine, fetched with apt at bundle time (the GPU machine has no
// network, and may have neither a Vulkan loader nor what the NVIDIA Vulkan driver links).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { IpdError } from '../../common';
import { cacheDir } from '../../common/node';

const debName = (pkg: string) => new RegExp(`^${pkg.replace(/[.+]/g, '\\$&')}_[^_]+_amd64\\.deb$`);

/**
 * `apt-get download` of each package into `destDir`; returns the file names. Offline, the copy
 * of an earlier build (kept in the cache) is used and said so.
 */
export async function fetchDebs(packages: readonly string[], destDir: string, log: (line: string) => void): Promise<string[]> {
  const keep = cacheDir('gpu-bundle', 'deb');
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'ipd-deb-'));
  try {
    // amd64 whatever this machine is: the lent machine is x86-64.
    const r = spawnSync('apt-get', ['-q', '-o', 'APT::Architecture=amd64', 'download', ...packages], { cwd: tmp, encoding: 'utf8' });
    const fetched = await readdir(tmp);
    const kept = existsSync(keep) ? await readdir(keep) : [];
    await mkdir(keep, { recursive: true });
    await mkdir(destDir, { recursive: true });
    const names: string[] = [];
    for (const pkg of packages) {
      let name = r.status === 0 ? fetched.find((f) => debName(pkg).test(f)) : undefined;
      if (name) {
        await copyFile(path.join(tmp, name), path.join(keep, name));
      } else {
        name = kept.filter((f) => debName(pkg).test(f)).sort().at(-1);
        if (!name) {
          throw new IpdError('DATA_NOT_FOUND', `apt-get download ${pkg} failed: ${(r.stderr || r.error?.message || '').trim().split('\n').at(-1)}`, {
            hint: `the bundle needs Debian's ${pkg} package once (network to the Debian mirror, or a copy in ${keep})`,
          });
        }
        log(`apt-get download ${pkg} failed; using the copy from an earlier build: ${name}`);
      }
      await copyFile(path.join(keep, name), path.join(destDir, name));
      names.push(name);
    }
    return names;
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}
