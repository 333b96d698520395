import { describe, expect, it } from 'vitest';
import { formatTags, renderTable } from './table.js';

describe('text tables', () => {
  it('pads columns and trims line ends', () => {
    expect(renderTable(['ID', 'IP'], [['rke2-a', '10.0.0.1'], ['x', '-']])).toBe('ID      IP\nrke2-a  10.0.0.1\nx       -');
  });

  it('formats tags sorted, or a dash when none', () => {
    expect(formatTags({ site: 'ber', env: 'prod' })).toBe('env=prod,site=ber');
    expect(formatTags({})).toBe('-');
  });
});
