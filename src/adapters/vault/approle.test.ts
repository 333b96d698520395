import { describe, expect, it } from 'vitest';
import { classifyLoginRefusal } from './approle.js';

describe('classifyLoginRefusal', () => {
  it('tells a CIDR refusal from a gone secret ID', () => {
    expect(classifyLoginRefusal(['source address "10.77.0.164" unauthorized through CIDR restrictions on the secret ID'])).toBe('cidr');
    expect(classifyLoginRefusal(['invalid secret id'])).toBe('invalid-secret-id');
    expect(classifyLoginRefusal(['invalid role or secret ID'])).toBe('invalid-secret-id');
    expect(classifyLoginRefusal(['permission denied'])).toBe('other');
  });
});
