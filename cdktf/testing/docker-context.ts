// The files `docker build .` would send, by the .dockerignore rules: patterns with `*`, `**` and
// `?`, `!` re-includes, the last matching rule wins (Docker's semantics for these forms).
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

interface Rule {
  readonly include: boolean;
  readonly pattern: RegExp;
  /** The literal directory part before any wildcard, for pruning the walk. */
  readonly prefix: string;
}

function toRegExp(glob: string): RegExp {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*' && glob[i + 1] === '*') {
      out += '.*';
      i++;
      if (glob[i + 1] === '/') i++;
    } else if (c === '*') out += '[^/]*';
    else if (c === '?') out += '[^/]';
    else out += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  // A pattern naming a directory covers everything below it.
  return new RegExp(`^${out.replace(/\/$/, '')}(/.*)?$`);
}

export function parseDockerignore(text: string): Rule[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const include = line.startsWith('!');
      const glob = (include ? line.slice(1) : line).replace(/^\/+/, '');
      const wildcard = glob.search(/[*?]/);
      return { include, pattern: toRegExp(glob), prefix: wildcard === -1 ? glob : glob.slice(0, wildcard) };
    });
}

export function isIncluded(rules: readonly Rule[], path: string): boolean {
  let included = true;
  for (const rule of rules) if (rule.pattern.test(path)) included = rule.include;
  return included;
}

/** Repository-relative paths of every file in the build context. */
export function contextFiles(root: string, ignoreText: string): string[] {
  const rules = parseDockerignore(ignoreText);
  const reincludes = rules.filter((r) => r.include);
  const out: string[] = [];
  const walk = (relative: string) => {
    for (const entry of readdirSync(join(root, relative), { withFileTypes: true })) {
      const path = relative === '' ? entry.name : `${relative}/${entry.name}`;
      if (entry.isDirectory()) {
        // Descend only where something below can be in the context.
        const mayHold =
          isIncluded(rules, path) ||
          reincludes.some((r) => r.prefix.startsWith(`${path}/`) || path.startsWith(r.prefix.replace(/\/$/, '')));
        if (mayHold) walk(path);
      } else if (isIncluded(rules, path)) {
        out.push(path);
      }
    }
  };
  walk('');
  return out.sort();
}
