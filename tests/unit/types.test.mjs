// The TypeScript declarations of the element and the engine type-check a page's script that uses them
// as the npm package's README shows (tests/types/usage.ts), laid out as the package lays them out:
// its package.json (types, exports) and its pkg/nn_playground.d.ts, in a scratch project's node_modules.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ENGINE_TYPES, TYPES, WWW, packageJson } from '../../scripts/dist.mjs';

const USAGE = fileURLToPath(new URL('../types/usage.ts', import.meta.url));
const TSC = createRequire(import.meta.url).resolve('typescript/bin/tsc');

test('the .d.ts files type-check a page that uses the element and the engine (tsc --noEmit, strict)', async () => {
  const project = mkdtempSync(join(tmpdir(), 'nnp-types-'));
  try {
    const pkg = packageJson();
    const dir = join(project, 'node_modules', pkg.name);
    for (const path of TYPES) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      copyFileSync(join(WWW, path), join(dir, path));
    }
    mkdirSync(join(dir, 'pkg'));
    writeFileSync(join(dir, 'pkg', 'nn_playground.d.ts'), ENGINE_TYPES);
    writeFileSync(join(dir, 'package.json'), JSON.stringify(pkg));
    copyFileSync(USAGE, join(project, 'usage.ts'));
    // A bundler's project (as with Vite); the package's own declarations are checked too (no skipLibCheck).
    writeFileSync(join(project, 'tsconfig.json'), JSON.stringify({
      compilerOptions: {
        target: 'ES2022', module: 'ESNext', moduleResolution: 'bundler', lib: ['ES2022', 'DOM', 'DOM.Iterable'],
        strict: true, noEmit: true, skipLibCheck: false, types: [],
      },
      files: ['usage.ts'],
    }));
    const { code, output } = await new Promise((done) => {
      execFile(process.execPath, [TSC, '-p', project], { cwd: project }, (err, stdout, stderr) => done({ code: err?.code ?? 0, output: stdout + stderr }));
    });
    assert.equal(code, 0, `tsc found errors:\n${output}`);
  } finally {
    rmSync(project, { recursive: true, force: true });
  }
});
