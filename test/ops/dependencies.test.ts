// package.json says what production installs: every package src/ imports is a dependency, and a
// dependency nothing in src/ uses (a test's SMTP stand-in, say) belongs in devDependencies, so
// `npm ci --omit=dev` stays lean and the boundary stays honest.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { describe, it } from 'node:test';

// needed at run time without an import from src/: the bundler `npm start` runs first
// (scripts/build.mjs), the loader, and the development log transport (named by string)
const RUNTIME_WITHOUT_IMPORT = new Set(['esbuild', 'tsx', 'pino-pretty']);

const IMPORTS = [
  /^\s*(?:import|export)\s[^'"]*?\sfrom\s+['"]([^'"]+)['"]/gm, // import … from 'x' (over several lines too), export … from 'x'
  /^\s*import\s+['"]([^'"]+)['"]/gm, // import 'x'
  /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g, // import('x'), loaded on first use
];

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

function packageOf(specifier: string): string | undefined {
  if (specifier.startsWith('.') || specifier.startsWith('node:') || builtinModules.includes(specifier.split('/')[0])) return undefined;
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

describe('dependencies', () => {
  const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };
  const imported = new Set<string>();
  for (const file of files('src')) {
    const text = readFileSync(file, 'utf8');
    for (const re of IMPORTS) {
      for (const m of text.matchAll(re)) {
        const name = packageOf(m[1]);
        if (name) imported.add(name);
      }
    }
  }

  it('every package src/ imports is a production dependency', () => {
    assert.deepEqual([...imported].filter((n) => !(n in pkg.dependencies)).sort(), []);
  });

  it('no production dependency that only tests use (smtp-server is a test stand-in)', () => {
    const unused = Object.keys(pkg.dependencies).filter((n) => !imported.has(n) && !RUNTIME_WITHOUT_IMPORT.has(n));
    assert.deepEqual(unused.sort(), []);
    assert.ok('smtp-server' in pkg.devDependencies);
  });
});
