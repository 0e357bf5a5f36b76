/** Every TypeScript snippet in the README compiles against the library as it is. */
import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';

const repo = path.resolve(__dirname, '..');
const readme = fs.readFileSync(path.join(repo, 'README.md'), 'utf8');
const snippets = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((match) => match[1]);

test('the README has TypeScript snippets', () => {
  expect(snippets.length).toBeGreaterThanOrEqual(2);
});

test.each(snippets.map((code, index) => [index + 1, code]))('README snippet %i compiles', (index, code) => {
  const fileName = path.join(repo, `readme-snippet-${index}.ts`);
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    lib: ['lib.es2022.d.ts', 'lib.esnext.disposable.d.ts'],
    module: ts.ModuleKind.Node16,
    moduleResolution: ts.ModuleResolutionKind.Node16,
    strict: true,
    esModuleInterop: true,
    skipLibCheck: true,
    noEmit: true,
    types: ['node'],
    paths: { 'karpenter-cdk': [path.join(repo, 'lib', 'index.ts')] },
  };
  const host = ts.createCompilerHost(options);
  const readFile = host.readFile.bind(host);
  const fileExists = host.fileExists.bind(host);
  const getSourceFile = host.getSourceFile.bind(host);
  host.readFile = (file) => (file === fileName ? String(code) : readFile(file));
  host.fileExists = (file) => file === fileName || fileExists(file);
  host.getSourceFile = (file, languageVersion, ...rest) => (file === fileName
    ? ts.createSourceFile(file, String(code), languageVersion)
    : getSourceFile(file, languageVersion, ...rest));
  const program = ts.createProgram([fileName], options, host);
  const diagnostics = ts.getPreEmitDiagnostics(program)
    .map((diagnostic) => ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
  expect(diagnostics).toEqual([]);
});
