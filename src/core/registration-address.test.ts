import { describe, expect, it } from 'vitest';
import { chooseRegistrationAddress, describeRegistration, settleRegisteredUrl } from './registration-address.js';

describe('chooseRegistrationAddress', () => {
  it.each([
    ['10.0.0.5', ['api.example.com'], '10.0.0.9', 'advertise-address', 'https://10.0.0.5:9345'],
    [undefined, ['api.example.com', 'x'], '10.0.0.9', 'tls-san', 'https://api.example.com:9345'],
    [undefined, [], '10.0.0.9', 'primary-address', 'https://10.0.0.9:9345'],
    [undefined, [], 'fd00::1', 'primary-address', 'https://[fd00::1]:9345'],
  ] as const)('advertise %s, sans %j, primary %s → %s', (adv, sans, primary, source, url) => {
    expect(chooseRegistrationAddress(adv, sans, primary)).toMatchObject({ source, url });
  });

  it('is undefined when nothing gives an address', () => {
    expect(chooseRegistrationAddress(undefined, [], undefined)).toBeUndefined();
  });

  it('says where the address came from', () => {
    expect(describeRegistration(chooseRegistrationAddress(undefined, ['api.example.com'], '10.0.0.9')!)).toContain('from the first --tls-san (api.example.com)');
    expect(describeRegistration(chooseRegistrationAddress(undefined, [], '10.0.0.9')!)).toContain("this host's primary address (detected)");
    expect(describeRegistration(chooseRegistrationAddress('10.0.0.5', [], undefined)!)).toContain('from --advertise-address');
  });
});

describe('settleRegisteredUrl', () => {
  const registered = 'https://10.0.0.9:9345';
  it('keeps the same URL', () => {
    expect(settleRegisteredUrl(registered, chooseRegistrationAddress(undefined, [], '10.0.0.9')!, false).kind).toBe('keep');
  });
  it('keeps the registered URL when only the detected address or a --tls-san differs', () => {
    for (const choice of [chooseRegistrationAddress(undefined, [], '10.0.0.7')!, chooseRegistrationAddress(undefined, ['new.example.com'], '10.0.0.9')!]) {
      expect(settleRegisteredUrl(registered, choice, false)).toEqual({ kind: 'keep', choice: { address: '10.0.0.9', source: 'registered', url: registered } });
    }
  });
  it('refuses a different --advertise-address without the flag, and changes it with the flag', () => {
    const other = chooseRegistrationAddress('10.0.0.5', [], '10.0.0.9')!;
    const refused = settleRegisteredUrl(registered, other, false);
    expect(refused.kind).toBe('refuse');
    expect(refused.kind === 'refuse' ? refused.message : '').toContain(`registered with ${registered}; --advertise-address would change it to https://10.0.0.5:9345`);
    expect(settleRegisteredUrl(registered, other, true)).toEqual({ kind: 'change', choice: other });
  });
});
