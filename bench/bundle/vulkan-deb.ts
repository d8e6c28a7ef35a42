// The Vulkan loader for the lent machine: Debian's libvulkan1 .deb, fetched with apt at bundle
// time (the GPU machine has no network and may have no loader: see the device tool's notes).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { IpdError } from '../../common';
import { cacheDir } from '../../common/node';

const DEB = /^libvulkan1_[^_]+_amd64\.deb$/;

/**
 * `apt-get download libvulkan1` into `destDir`; returns the file name. Offline, the copy of
 * an earlier build (kept in the cache) is used and said so.
 */
export async function fetchVulkanDeb(destDir: string, log: (line: string) => void): Promise<string> {
  const keep = cacheDir('gpu-bundle', 'deb');
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'ipd-deb-'));
  try {
    // amd64 whatever this machine is: the lent machine is x86-64.
    const r = spawnSync('apt-get', ['-q', '-o', 'APT::Architecture=amd64', 'download', 'libvulkan1'], { cwd: tmp, encoding: 'utf8' });
    let name = (await readdir(tmp)).find((f) => DEB.test(f));
    let from = tmp;
    if (r.status === 0 && name) {
      await mkdir(keep, { recursive: true });
      await copyFile(path.join(tmp, name), path.join(keep, name));
    } else {
      name = existsSync(keep) ? (await readdir(keep)).filter((f) => DEB.test(f)).sort().at(-1) : undefined;
      if (!name) {
        throw new IpdError('DATA_NOT_FOUND', `apt-get download libvulkan1 failed: ${(r.stderr || r.error?.message || '').trim().split('\n').at(-1)}`, {
          hint: 'the bundle needs Debian\'s libvulkan1 package once (network to the Debian mirror, or a copy in ' + keep + ')',
        });
      }
      log(`apt-get download libvulkan1 failed; using the copy from an earlier build: ${name}`);
      from = keep;
    }
    await mkdir(destDir, { recursive: true });
    await copyFile(path.join(from, name), path.join(destDir, name));
    return name;
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}
