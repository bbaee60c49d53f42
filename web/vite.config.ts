import { defineConfig } from 'vite';

// The dashboard is served by the API process at `/` (src/api/dashboard.ts): assets under
// /assets/, every page answers index.html. JSX compiles to Preact's automatic runtime.
export default defineConfig({
  base: '/',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    reportCompressedSize: false,
    chunkSizeWarningLimit: 900,
  },
  server: { proxy: { '/v1': 'http://127.0.0.1:8080', '/v1beta1': 'http://127.0.0.1:8080' } },
});
