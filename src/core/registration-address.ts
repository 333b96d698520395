/**
 * Which address a server registers in Vault as the cluster's registration URL
 * (what every joining node connects to), and why; and whether a re-run may
 * change a ready cluster's URL. Pure.
 */
import { registrationUrl } from './host-paths.js';

/** Where the registered address came from, for the operator. */
export type AddressSource = 'advertise-address' | 'tls-san' | 'primary-address' | 'registered';

export interface RegistrationChoice {
  address: string;
  source: AddressSource;
  /** https://ADDRESS:9345 */
  url: string;
}

/** The address a server advertises: --advertise-address, else the first --tls-san, else the detected primary address. */
export function chooseRegistrationAddress(advertiseAddress: string | undefined, tlsSans: readonly string[], primary: string | undefined): RegistrationChoice | undefined {
  const pick = (address: string, source: AddressSource): RegistrationChoice => ({ address, source, url: registrationUrl(address) });
  if (advertiseAddress !== undefined) return pick(advertiseAddress, 'advertise-address');
  const san = tlsSans[0];
  if (san !== undefined) return pick(san, 'tls-san');
  return primary === undefined ? undefined : pick(primary, 'primary-address');
}

/** One line saying which URL is registered and why (printed by `rke2 server`). */
export function describeRegistration(choice: RegistrationChoice): string {
  switch (choice.source) {
    case 'advertise-address':
      return `Registration URL ${choice.url}: from --advertise-address.`;
    case 'tls-san':
      return `Registration URL ${choice.url}: from the first --tls-san (${choice.address}), since no --advertise-address was given; every node must resolve and reach it. Pass --advertise-address ADDR to register another address.`;
    case 'primary-address':
      return `Registration URL ${choice.url}: this host's primary address (detected), since neither --advertise-address nor --tls-san was given. Pass --advertise-address ADDR to register another address.`;
    case 'registered':
      return `Registration URL ${choice.url}: kept as registered in Vault.`;
  }
}

/**
 * On a re-run against a ready cluster: the URL to register. An explicit
 * --advertise-address that differs from the registered URL is a change the
 * operator must confirm (`changeAllowed`, --update-server-url): every node
 * joined through the old one. Anything else keeps the registered URL, so a
 * re-run without flags or with a new --tls-san never moves the cluster.
 * Returns the URL to register, or a refusal message.
 */
export function settleRegisteredUrl(
  registered: string,
  choice: RegistrationChoice,
  changeAllowed: boolean,
): { kind: 'keep'; choice: RegistrationChoice } | { kind: 'change'; choice: RegistrationChoice } | { kind: 'refuse'; message: string } {
  if (registered === '' || choice.url === registered) return { kind: 'keep', choice };
  if (choice.source !== 'advertise-address') {
    return { kind: 'keep', choice: { address: new URL(registered).hostname.replace(/^\[(.*)\]$/, '$1'), source: 'registered', url: registered } };
  }
  if (changeAllowed) return { kind: 'change', choice };
  return { kind: 'refuse', message: `the cluster is ready and registered with ${registered}; --advertise-address would change it to ${choice.url}` };
}
