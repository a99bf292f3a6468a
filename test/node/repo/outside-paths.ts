// Finds the relative paths in the repository's code that lead out of the repository (issue 23: a clone runs its tests on its own).
import path from 'node:path';
import ts from 'typescript';

/** A relative path in code that resolves outside the repository root. */
export interface OutsidePath {
  file: string;
  line: number;
  written: string;
  /** What the path is relative to: the file's own folder, or the working directory (the repository root). */
  from: 'file' | 'cwd';
}

type Hit = Omit<OutsidePath, 'file'>;

const scriptExtensions = new Set(['.ts', '.tsx', '.mts', '.cts', '.js', '.mjs', '.cjs']);
const commandExtensions = new Set(['.sh', '.yml', '.yaml']);

/**
 * Node APIs whose path arguments are relative to the working directory. `resolve` and `join` count for their first
 * argument only: later ones are relative to the earlier ones, usually the file's own folder.
 */
const cwdPathCalls = new Set([
  'resolve', 'join', 'spawn', 'spawnSync', 'execFile', 'execFileSync', 'exec', 'execSync', 'fork', 'Worker',
  'readFile', 'readFileSync', 'writeFile', 'writeFileSync', 'appendFile', 'copyFile', 'copyFileSync', 'cp', 'cpSync',
  'readdir', 'readdirSync', 'stat', 'statSync', 'lstat', 'access', 'accessSync', 'existsSync', 'open', 'openSync',
  'createReadStream', 'createWriteStream', 'rm', 'rmSync', 'mkdir', 'mkdirSync', 'rename', 'symlink', 'chdir',
]);

/** True for a path that starts by going up: `..` or `../…`. */
const goesUp = (written: string): boolean => written === '..' || written.startsWith('../');

/**
 * The relative paths in `text` (the content of `file`, a path relative to `root`) that lead outside `root`. Code only:
 * scripts (import specifiers, `new URL(…, import.meta.url)`, path arguments of Node's path, fs and child_process
 * calls, and any other string that goes up), command lines (shell scripts, workflows, package.json scripts, run from
 * the root), JSON configs and HTML `src`/`href`. Other files (docs, data) may cite paths outside.
 */
export function outsidePaths(root: string, file: string, text: string): OutsidePath[] {
  const extension = path.extname(file);
  let found: Hit[];
  if (scriptExtensions.has(extension)) found = scriptPaths(file, text);
  else if (path.basename(file) === 'package.json') found = packageScriptPaths(text);
  else if (extension === '.json') found = jsonPaths(text);
  else if (commandExtensions.has(extension) || text.startsWith('#!')) found = commandPaths(text);
  else if (extension === '.html') found = htmlPaths(text);
  else found = [];
  const fileDir = path.resolve(root, path.dirname(file));
  return found
    .filter(({ written, from }) => !isInside(root, path.resolve(from === 'file' ? fileDir : root, written)))
    .map((hit) => ({ file, ...hit }));
}

function isInside(root: string, resolved: string): boolean {
  const fromRoot = path.relative(path.resolve(root), resolved);
  return fromRoot === '' || (!fromRoot.startsWith('..') && !path.isAbsolute(fromRoot));
}

function scriptPaths(file: string, text: string): Hit[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const found: Hit[] = [];
  const visit = (node: ts.Node): void => {
    const written = ts.isStringLiteralLike(node) ? node.text : ts.isTemplateExpression(node) ? node.head.text : undefined;
    if (written !== undefined && goesUp(written)) {
      found.push({ line: source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1, written, from: relativeTo(node) });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** Whether a path literal in a script is relative to the script's folder or to the working directory. */
function relativeTo(literal: ts.Node): 'file' | 'cwd' {
  let node = literal;
  // Up through the arrays, objects and parentheses that hold it, to the call that receives it.
  while (
    ts.isArrayLiteralExpression(node.parent) || ts.isObjectLiteralExpression(node.parent) || ts.isPropertyAssignment(node.parent) ||
    ts.isSpreadElement(node.parent) || ts.isParenthesizedExpression(node.parent) || ts.isAsExpression(node.parent)
  ) {
    node = node.parent;
  }
  const call = node.parent;
  if (!(ts.isCallExpression(call) || ts.isNewExpression(call)) || !call.arguments?.includes(node as ts.Expression)) return 'file';
  const target = call.expression;
  // import('…'), import.meta.resolve('…'), require('…') and new URL('…', import.meta.url) resolve from the file.
  if (target.kind === ts.SyntaxKind.ImportKeyword || (ts.isPropertyAccessExpression(target) && ts.isMetaProperty(target.expression))) return 'file';
  const callee = ts.isPropertyAccessExpression(target) ? target.name.text : target.getText();
  if (callee === 'require' || callee === 'URL') return 'file';
  const [first] = call.arguments;
  if ((callee === 'resolve' || callee === 'join') && node !== first) return first?.getText().includes('process.cwd()') ? 'cwd' : 'file';
  return cwdPathCalls.has(callee) ? 'cwd' : 'file';
}

/** Words of command lines (comments dropped) that go up; commands run from the repository root. */
function commandPaths(text: string): Hit[] {
  return text.split('\n').flatMap((line, index) =>
    line
      .replace(/(^|\s)#.*$/, '')
      .split(/[\s'"=;|&()]+/)
      .filter(goesUp)
      .map((written) => ({ line: index + 1, written, from: 'cwd' as const })),
  );
}

function packageScriptPaths(text: string): Hit[] {
  const scripts = (JSON.parse(text) as { scripts?: Record<string, string> }).scripts ?? {};
  return Object.values(scripts).flatMap((script) => commandPaths(script).map((hit) => ({ ...hit, line: lineOf(text, script) })));
}

/** String values of a JSON config (`extends`, `include`, …), relative to the config's folder. */
function jsonPaths(text: string): Hit[] {
  const strings: string[] = [];
  const collect = (value: unknown): void => {
    if (typeof value === 'string') strings.push(value);
    else if (value !== null && typeof value === 'object') Object.values(value).forEach(collect);
  };
  // TypeScript's reader, as tsconfig files may hold comments.
  collect(ts.parseConfigFileTextToJson('config.json', text).config);
  return strings.filter(goesUp).map((written) => ({ line: lineOf(text, written), written, from: 'file' as const }));
}

function htmlPaths(text: string): Hit[] {
  return [...text.matchAll(/\b(?:src|href)\s*=\s*["']([^"']*)["']/g)]
    .filter((match) => goesUp(match[1] ?? ''))
    .map((match) => ({ line: lineOf(text, match[0]), written: match[1] ?? '', from: 'file' as const }));
}

function lineOf(text: string, part: string): number {
  return text.slice(0, Math.max(0, text.indexOf(part))).split('\n').length;
}
