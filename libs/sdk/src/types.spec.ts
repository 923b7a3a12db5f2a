import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';

/**
 * The SDK's types (generated from the module tables by `npm run generate`; the generator's
 * test checks they are current) must let a tenant app compile and must refuse wrong
 * column types. fixtures/tenant-app.ts is compiled as it is (no error may remain: every
 * @ts-expect-error must be used) and with those comments blanked out (each line under one
 * must fail with the code it names, and only those lines may fail).
 */
const FIXTURE = join(__dirname, 'fixtures', 'tenant-app.ts');
const EXPECTATION = /^\s*\/\/ @ts-expect-error TS(\d+) (.+)$/;

interface Failure {
  /** In the fixture; 0 for a failure elsewhere (then `message` names the file). */
  line: number;
  code: number;
  message: string;
}

/** Type-checks one in-memory version of the fixture against the SDK's sources. */
function compile(source: string): Failure[] {
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.CommonJS,
    moduleResolution: ts.ModuleResolutionKind.Node10,
    lib: ['lib.es2023.d.ts', 'lib.dom.d.ts'],
    strict: true,
    noUnusedLocals: true,
    noEmit: true,
    skipLibCheck: true,
    types: ['node'], // libs/domain (which the SDK imports) names Buffer
    baseUrl: join(__dirname, '../../..'),
    paths: { '@kryonix/domain': ['libs/domain/src/index.ts'] },
  };
  const host = ts.createCompilerHost(options);
  const readFile = host.readFile.bind(host);
  host.readFile = (file) => (file === FIXTURE ? source : readFile(file));
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (file, language, onError, create) =>
    file === FIXTURE ? ts.createSourceFile(file, source, language, true) : getSourceFile(file, language, onError, create);
  const program = ts.createProgram([FIXTURE], options, host);
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const where = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line + 1 : 0;
    const message = ts.flattenDiagnosticMessageText(d.messageText, ' ');
    return d.file?.fileName === FIXTURE ? { line: where, code: d.code, message } : { line: 0, code: d.code, message: `${d.file?.fileName ?? '?'}:${where}: ${message}` };
  });
}

const source = readFileSync(FIXTURE, 'utf8');
const lines = source.split('\n');
/** Line (1-based) of each statement under an expectation → the code it must fail with. */
const expected = new Map<number, number>();
lines.forEach((text, i) => {
  const match = EXPECTATION.exec(text);
  if (match) expected.set(i + 2, Number(match[1]));
});

it('the fixture names its expected failures', () => {
  expect(expected.size).toBeGreaterThanOrEqual(10);
});

it('a tenant app using the SDK as documented type-checks', () => {
  expect(compile(source)).toEqual([]);
}, 60_000);

it('each misuse (wrong column type, missing required field, unknown column, filter or module) fails to type-check, with the expected error', () => {
  const blanked = lines.map((text) => (EXPECTATION.test(text) ? '' : text)).join('\n');
  const failures = compile(blanked);
  // every failure is on a marked line, for the reason marked …
  for (const f of failures) expect({ ...f, text: lines[f.line - 1]?.trim() }).toEqual({ ...f, code: expected.get(f.line), text: lines[f.line - 1]?.trim() });
  // … and every marked line fails
  expect([...new Set(failures.map((f) => f.line))].sort((a, b) => a - b)).toEqual([...expected.keys()].sort((a, b) => a - b));
  // the wrong column type is refused as such
  const score = failures.find((f) => lines[f.line - 1]?.includes("score: '80'"));
  expect(score?.message).toMatch(/Type 'string' is not assignable to type 'number'/);
}, 60_000);
