/// <reference types="vite/client" />
// Vite's asset imports (`?url`, `?raw`) and import.meta.env, for the app's sources.
