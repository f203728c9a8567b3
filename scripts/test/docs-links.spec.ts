import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import GithubSlugger from 'github-slugger';

const REPO_ROOT = resolve(__dirname, '../..');
const DOCUMENTS = ['README.md', 'models/README.md', ...readdirSync(join(REPO_ROOT, 'docs')).filter((file) => file.endsWith('.md')).map((file) => `docs/${file}`)];

/** The text outside fenced code blocks and inline code, where Markdown links live. */
const prose = (markdown: string) => markdown.replace(/^```[\s\S]*?^```/gm, '').replace(/`[^`\n]*`/g, '');

/** The anchors GitHub gives a document's headings (inline code counts as text; duplicates numbered as GitHub numbers them). */
function anchorsOf(file: string): Set<string> {
  const slugger = new GithubSlugger();
  const headings = readFileSync(file, 'utf8').replace(/^```[\s\S]*?^```/gm, '').matchAll(/^#{1,6} (.+)$/gm);
  return new Set([...headings].map(([, text]) => slugger.slug(text.replace(/`/g, ''))));
}

/** Every relative link target of a document: `[text](target)` and `![alt](target)`, web addresses left out. */
function relativeLinks(markdown: string): string[] {
  return [...prose(markdown).matchAll(/!?\[[^\]]*\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)].map(([, target]) => target).filter((target) => !/^[a-z][a-z0-9+.-]*:/i.test(target));
}

describe('links in the README and docs', () => {
  it.each(DOCUMENTS)('%s: every relative link and anchor resolves', (document) => {
    const file = join(REPO_ROOT, document);
    const broken = relativeLinks(readFileSync(file, 'utf8')).filter((target) => {
      const [path, anchor] = target.split('#', 2);
      const linked = path === '' ? file : resolve(dirname(file), decodeURIComponent(path));
      if (!existsSync(linked)) return true;
      if (anchor === undefined) return false;
      return !(statSync(linked).isFile() && linked.endsWith('.md') && anchorsOf(linked).has(anchor));
    });
    expect(broken.map((target) => `${relative(REPO_ROOT, file)} → ${target}`)).toEqual([]);
  });

  it('finds the links it checks', () => {
    expect(relativeLinks(readFileSync(join(REPO_ROOT, 'README.md'), 'utf8')).filter((target) => target.startsWith('docs/')).length).toBeGreaterThanOrEqual(7);
  });
});
