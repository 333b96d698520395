import { describe, expect, it } from 'vitest';
import { formatDurationSeconds, parseGoDurationSeconds } from './go-duration.js';

describe('parseGoDurationSeconds', () => {
  it('reads what Vault reports for delete_version_after', () => {
    expect(parseGoDurationSeconds('0s')).toBe(0);
    expect(parseGoDurationSeconds('8760h0m0s')).toBe(8760 * 3600);
    expect(parseGoDurationSeconds('1h30m')).toBe(5400);
    expect(parseGoDurationSeconds('1.5h')).toBe(5400);
    expect(parseGoDurationSeconds('3600')).toBe(3600);
  });
  it('refuses what is not a duration', () => {
    expect(parseGoDurationSeconds('')).toBeUndefined();
    expect(parseGoDurationSeconds('1y')).toBeUndefined();
    expect(parseGoDurationSeconds('h')).toBeUndefined();
    expect(parseGoDurationSeconds('-1h')).toBeUndefined();
  });
});

describe('formatDurationSeconds', () => {
  it('uses the largest whole unit', () => {
    expect(formatDurationSeconds(8760 * 3600)).toBe('365d');
    expect(formatDurationSeconds(36 * 3600)).toBe('36h');
    expect(formatDurationSeconds(90 * 60)).toBe('90m');
    expect(formatDurationSeconds(45)).toBe('45s');
  });
});
