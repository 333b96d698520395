import { readFileSync, readdirSync, statSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { embeddedScript, embeddedScriptNames } from '../../src/embedded.js';
import { runEdgectl } from '../support/context.js';
import { PROJECT_ROOT } from '../support/paths.js';
import { exec } from '../support/sim-host.js';

const scriptsDir = join(PROJECT_ROOT, 'scripts');
const onDisk = readdirSync(scriptsDir).filter((n) => n.endsWith('.sh')).sort();

describe('embedded scripts', () => {
  it('embeds every scripts/*.sh', () => {
    expect(embeddedScriptNames()).toEqual(onDisk);
    expect(onDisk).toContain('rke2.sh');
  });

  it.each(onDisk)('%s is embedded byte for byte', (name) => {
    const bytes = readFileSync(join(scriptsDir, name));
    const e = embeddedScript(name);
    expect(e.bytes.equals(bytes)).toBe(true);
    expect(e.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
  });

  it('the built bundle exports the same bytes (scripts export)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'edgectl-export-'));
    const r = await exec(process.execPath, [join(PROJECT_ROOT, 'dist/edgectl.cjs'), 'scripts', 'export', dir]);
    expect(r.code, r.stderr).toBe(0);
    for (const name of onDisk) {
      expect(readFileSync(join(dir, name)).equals(readFileSync(join(scriptsDir, name)))).toBe(true);
      expect(statSync(join(dir, name)).mode & 0o777).toBe(0o755);
      expect(r.stdout).toContain(`${createHash('sha256').update(readFileSync(join(scriptsDir, name))).digest('hex')}  ${join(dir, name)}`);
    }
  });

  it('scripts export refuses to overwrite a different file without --force (exit 3), and overwrites with it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'edgectl-export-'));
    writeFileSync(join(dir, 'rke2.sh'), 'local edits\n');
    const refused = await runEdgectl(['scripts', 'export', dir]);
    expect(refused.code).toBe(3);
    expect(readFileSync(join(dir, 'rke2.sh'), 'utf8')).toBe('local edits\n');
    const forced = await runEdgectl(['scripts', 'export', '--force', '-o', 'json', dir]);
    expect(forced.code).toBe(0);
    // every embedded script is listed (install-edgectl.sh sorts before rke2.sh); the edited one changed
    const listed = JSON.parse(forced.stdout).scripts as Array<{ name: string; changed: boolean }>;
    expect(listed.map((s) => s.name)).toEqual(onDisk);
    expect(listed.find((s) => s.name === 'rke2.sh')).toMatchObject({ name: 'rke2.sh', changed: true });
    expect(readFileSync(join(dir, 'rke2.sh')).equals(readFileSync(join(scriptsDir, 'rke2.sh')))).toBe(true);
  });
});
