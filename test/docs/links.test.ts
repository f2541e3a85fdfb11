// Every relative link in README.md and docs/*.md points at a file of this repository (no link
// leaves it, none is broken), and every anchor into a Markdown file names one of its headings.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';

const root = path.resolve('.');
const files = ['README.md', ...readdirSync('docs').filter((f) => f.endsWith('.md')).map((f) => path.join('docs', f))];

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces to hyphens. */
const anchorOf = (heading: string) => heading.trim().toLowerCase().replace(/[^\p{L}\p{N}\s-]/gu, '').replace(/\s/g, '-');

function links(markdown: string): string[] {
  const withoutCode = markdown.replace(/```[\s\S]*?```/g, '').replace(/`[^`\n]*`/g, '');
  return [...withoutCode.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]!);
}

describe('documentation links', () => {
  it('README.md and docs/*.md link only to files in the repository', () => {
    let checked = 0;
    for (const file of files) {
      for (const link of links(readFileSync(file, 'utf8'))) {
        if (/^[a-z]+:/i.test(link)) continue; // http(s), mailto: outside links are fine
        const [target, anchor] = link.split('#') as [string, string | undefined];
        const resolved = target ? path.resolve(path.dirname(file), target) : path.resolve(file);
        assert.ok(resolved.startsWith(root + path.sep), `${file}: ${link} points outside the repository`);
        assert.ok(existsSync(resolved), `${file}: ${link} does not exist`);
        if (anchor && resolved.endsWith('.md')) {
          const headings = readFileSync(resolved, 'utf8').split('\n').filter((l) => /^#+ /.test(l)).map((l) => anchorOf(l.replace(/^#+ /, '')));
          assert.ok(headings.includes(anchor), `${file}: ${link}: no heading #${anchor}`);
        }
        checked++;
      }
    }
    assert.ok(checked > 20, `${checked} links checked`);
  });

  it('the README links every reference page in docs/', () => {
    const readme = readFileSync('README.md', 'utf8');
    for (const page of ['configuration', 'api', 'scheduling', 'payments', 'media', 'security', 'notifications', 'operations', 'performance', 'hardening', 'legacy-clients', 'web', 'design']) {
      assert.ok(readme.includes(`](docs/${page}.md)`), `README links docs/${page}.md`);
    }
  });
});
