// Vite builds the app into web/dist, which the API server serves (src/plugins/web.ts). In
// development (`npm run dev:web`) Vite serves it on :5173 and forwards /api to the API on :4000.
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

export default defineConfig({
  root: import.meta.dirname,
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    assetsDir: 'assets',
    sourcemap: false,
    // no asset inlined as data: URI into scripts; CSS stays a file (the CSP has no inline styles)
    assetsInlineLimit: 0,
    target: 'es2022',
  },
  server: {
    port: 5173,
    proxy: { '/api': 'http://localhost:4000', '/uploads': 'http://localhost:4000', '/images': 'http://localhost:4000' },
  },
});
