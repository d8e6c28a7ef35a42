import { App } from './app';
import { showBackend, showIsolation } from './ui/backend-badge';
import { showError } from './ui/error-box';

showIsolation();
showBackend(undefined);
try {
  new App();
} catch (err) {
  showError(err);
}
