// Which servers `--endpoint`, `--endpoints FILE` and `--base-url` name, and the errors a
// user gets for a bad one.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openGenerator, parseEndpointSpec, readEndpointsFile, resolveEndpoints } from '../../bench/backends';
import { IpdError } from '../../common';

const dir = mkdtempSync(path.join(tmpdir(), 'ipd-endpoints-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, content: unknown): string {
  const f = path.join(dir, name);
  writeFileSync(f, typeof content === 'string' ? content : JSON.stringify(content));
  return f;
}

function errorOf(fn: () => unknown): IpdError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(IpdError);
    return err as IpdError;
  }
  throw new Error('expected an IpdError');
}

describe('--endpoint URL[,max=N][,weight=W]', () => {
  it('reads the URL, the cap and the weight; defaults come from --concurrency and --api-key', () => {
    expect(parseEndpointSpec('http://gpu1:8000/v1/,max=32,weight=2.5')).toEqual({ url: 'http://gpu1:8000/v1', maxConcurrency: 32, weight: 2.5 });
    expect(parseEndpointSpec('https://h/v1', { apiKey: 'k', defaultMax: 4 })).toEqual({ url: 'https://h/v1', maxConcurrency: 4, weight: 1, apiKey: 'k' });
    expect(parseEndpointSpec('http://h/v1').maxConcurrency).toBe(8);
  });

  it('refuses unknown fields, bad numbers and non-http URLs, naming the flag value', () => {
    expect(errorOf(() => parseEndpointSpec('http://h/v1,key=abc')).message).toBe('--endpoint "http://h/v1,key=abc": "key=abc" is not one of max=..., weight=...');
    expect(errorOf(() => parseEndpointSpec('http://h/v1,max=0')).message).toMatch(/max must be a positive integer \(got "0"\)/);
    expect(errorOf(() => parseEndpointSpec('http://h/v1,weight=-1')).message).toMatch(/weight must be a positive number/);
    expect(errorOf(() => parseEndpointSpec('gpu1:8000')).message).toMatch(/is not an http\(s\) URL|is not a URL/);
  });
});

describe('--endpoints FILE', () => {
  it('reads url, max, weight and a key given inline or through an environment variable', () => {
    const f = file('ok.json', {
      endpoints: [
        { url: 'http://a:8000/v1', max: 64, weight: 2, api_key: 'ka' },
        { url: 'http://b:8000/v1', api_key_env: 'B_KEY' },
        { url: 'http://c:8000/v1' },
      ],
    });
    expect(readEndpointsFile(f, { apiKey: 'shared', defaultMax: 3 }, { B_KEY: 'kb' })).toEqual([
      { url: 'http://a:8000/v1', maxConcurrency: 64, weight: 2, apiKey: 'ka' },
      { url: 'http://b:8000/v1', maxConcurrency: 3, weight: 1, apiKey: 'kb' },
      { url: 'http://c:8000/v1', maxConcurrency: 3, weight: 1, apiKey: 'shared' },
    ]);
  });

  it('names the file and the field of a bad entry', () => {
    const typo = errorOf(() => readEndpointsFile(file('typo.json', { endpoints: [{ url: 'http://a/v1' }, { url: 'http://b/v1', maxx: 3 }] })));
    expect(typo.file).toMatch(/typo\.json$/);
    expect(typo.message).toMatch(/typo\.json: endpoints\[1\]: .*maxx/);
    const max = errorOf(() => readEndpointsFile(file('max.json', { endpoints: [{ url: 'http://a/v1', max: 1.5 }] })));
    expect(max.field).toBe('endpoints[0].max');
    const env = errorOf(() => readEndpointsFile(file('env.json', { endpoints: [{ url: 'http://a/v1', api_key_env: 'NOT_SET_ANYWHERE' }] }), {}, {}));
    expect(env.message).toMatch(/endpoints\[0\]\.api_key_env: the environment variable NOT_SET_ANYWHERE is not set/);
    const url = errorOf(() => readEndpointsFile(file('url.json', { endpoints: [{ url: 'ftp://a/v1' }] })));
    expect(url.field).toBe('endpoints[0].url');
    expect(errorOf(() => readEndpointsFile(file('bad.json', '{"endpoints": ['))).message).toMatch(/bad\.json: not valid JSON/);
    expect(errorOf(() => readEndpointsFile(path.join(dir, 'absent.json'))).message).toMatch(/absent\.json: cannot read it \(ENOENT\)/);
    expect(errorOf(() => readEndpointsFile(file('empty.json', { endpoints: [] }))).field).toBe('endpoints');
  });
});

describe('all endpoint flags together', () => {
  it('keeps --base-url, then --endpoint, then the file, and refuses a URL given twice', () => {
    const f = file('two.json', { endpoints: [{ url: 'http://c/v1' }] });
    expect(resolveEndpoints({ baseUrl: 'http://a/v1', specs: ['http://b/v1,max=2'], file: f }).map((e) => e.url)).toEqual(['http://a/v1', 'http://b/v1', 'http://c/v1']);
    expect(resolveEndpoints({})).toEqual([]);
    expect(errorOf(() => resolveEndpoints({ baseUrl: 'http://a/v1/', specs: ['http://a/v1'] })).message).toBe('the endpoint http://a/v1 is given twice');
  });

  it('refuses --endpoint without --backend openai', async () => {
    const err = await openGenerator({ backend: 'ort', model: 'm', endpointSpecs: ['http://127.0.0.1:9/v1'] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IpdError);
    expect((err as IpdError).message).toBe('--endpoint and --endpoints need --backend openai');
  });
});
