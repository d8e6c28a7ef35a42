// Worker bootstrap: the engine's TypeScript runs in the worker through tsx's loader.
import { register } from 'tsx/esm/api';

register();
await import('./worker-main.ts');
