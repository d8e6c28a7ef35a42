// Generated files (models, runs, builds, caches) go to ignored top-level folders of their own:
// no path under a source folder is ignored, so a new source file is never silently left out of
// a commit (a `models/` rule once ignored every new file of the models/ source folder).
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/cli';

/** The paths of `paths` the repository's ignore rules ignore (the user's global excludes left out). */
function ignored(paths: string[]): string[] {
  const r = spawnSync('git', ['-c', 'core.excludesFile=', 'check-ignore', '--no-index', '--stdin'], { cwd: REPO_ROOT, input: paths.join('\n'), encoding: 'utf8' });
  if (r.status !== 0 && r.status !== 1) throw new Error(`git check-ignore failed: ${r.stderr}`);
  return r.stdout.split('\n').filter(Boolean);
}

/** Top-level folders holding tracked files: the source folders. */
function sourceFolders(): string[] {
  const r = spawnSync('git', ['ls-files'], { cwd: REPO_ROOT, encoding: 'utf8' });
  return [...new Set(r.stdout.split('\n').filter((f) => f.includes('/')).map((f) => f.split('/')[0]))];
}

describe('.gitignore', () => {
  it('ignores no new file under any source folder', () => {
    const folders = sourceFolders();
    expect(folders).toEqual(expect.arrayContaining(['bench', 'common', 'engine', 'models', 'pathways', 'scorers', 'tests', 'web']));
    // Names that generated folders and logs use at the top level must not match inside source.
    const names = ['new-file.ts', 'tiny/new.ts', 'dist/new.ts', 'runs/new.ts', 'node_modules/new.ts', '.cache/new.ts', 'test-artifacts/new.ts', 'notes.log'];
    expect(ignored(folders.flatMap((d) => names.map((n) => `${d}/${n}`)))).toEqual([]);
  });

  it('ignores the places generated files go', () => {
    const generated = ['node_modules/x/index.js', '.cache/models/tiny-test/onnx/model.onnx', 'runs/tiny/predictions.jsonl', 'dist/web/index.html', 'test-artifacts/app.png', 'vitest.log'];
    expect(ignored(generated)).toEqual(generated);
  });
});
