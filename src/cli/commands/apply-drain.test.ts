import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { parseArgv } from '../program.js';

async function applyInput(argv: string[]): Promise<Record<string, unknown>> {
  const result = await parseArgv(['apply', ...argv], { stdout: new PassThrough(), stderr: new PassThrough() });
  if (result.kind !== 'run') throw new Error(`expected a command, got exit ${result.code}`);
  expect(result.invocation.id).toBe('apply');
  return result.invocation.input as Record<string, unknown>;
}

describe('apply --no-drain', () => {
  it('drains by default (the file decides) and skips drain with --no-drain', async () => {
    expect((await applyInput(['-f', 'c.yaml'])).noDrain).toBe(false);
    expect((await applyInput(['-f', 'c.yaml', '--no-drain', '--dry-run'])).noDrain).toBe(true);
  });
});
