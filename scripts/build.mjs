// `npm run build` (also run by `npm start` through `prestart`): bundles the server's own TypeScript into
// one ESM file, dist/server.mjs, with the npm packages left as imports; the MongoDB import and export
// commands likewise (dist/import-mongo.mjs, dist/export-mongo.mjs: the tests run them from there). Why: started through tsx, every
// one of ~150 source files goes through the loader hooks (resolve, transform-cache lookup) in a worker
// thread; one bundled file starts about a second sooner (measured with `npm run bench -- --only start`).
// The SQL migrations and the email templates are read at run time from next to the code
// (`import.meta.url`), so they are copied beside the bundle.
// --if-stale: skip the build when the bundle is newer than every file it is made from (`npm test`
// starts its child servers from a bundle it keeps in .cache/ this way).
import { cpSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';
import { upToDate } from './stale.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// --outdir: the tests build into a temporary folder (default: dist/)
const { values } = parseArgs({ options: { outdir: { type: 'string' }, 'if-stale': { type: 'boolean' } } });
const out = path.resolve(values.outdir ?? path.join(root, 'dist'));

const ENTRIES = ['src/server.ts', 'src/cli/import-mongo.ts', 'src/cli/export-mongo.ts'];
const outputs = ENTRIES.map((entry) => path.join(out, `${path.basename(entry, '.ts')}.mjs`));
const sources = ['src', 'package.json', 'tsconfig.json', 'scripts/build.mjs'];
if (values['if-stale'] && outputs.every((output) => upToDate(output, root, sources))) process.exit(0);

// Built beside the output and moved into place whole: a server started from an earlier bundle
// (another test run) finds its migrations and templates until the last moment.
const building = `${out}.${process.pid}.tmp`;
rmSync(building, { recursive: true, force: true });
mkdirSync(building, { recursive: true });
await build({
  entryPoints: ENTRIES.map((entry) => path.join(root, entry)),
  // side by side, each a whole program: all of them find the migrations and templates next to them
  outdir: building,
  entryNames: '[name]',
  outExtension: { '.js': '.mjs' },
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  sourcemap: true,
  logLevel: 'warning',
});
cpSync(path.join(root, 'src', 'db', 'migrations'), path.join(building, 'migrations'), { recursive: true });
cpSync(path.join(root, 'src', 'modules', 'notifications', 'templates'), path.join(building, 'templates'), { recursive: true });
rmSync(out, { recursive: true, force: true });
renameSync(building, out);
