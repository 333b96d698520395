/**
 * The registration URL a bootstrap server writes to Vault: say which address
 * it is and why, and refuse to move a ready cluster to another URL unless the
 * operator asks for it (--update-server-url): every node joined through it.
 */
import { EdgectlError } from '../core/errors.js';
import { type RegistrationChoice, describeRegistration, settleRegisteredUrl } from '../core/registration-address.js';
import type { Context } from './context.js';
import type { ClusterRecord } from '../core/cluster-records.js';

/** The registration to write for this bootstrap (or re-run); throws a precondition error for an unconfirmed change. */
export function registrationToWrite(ctx: Context, record: ClusterRecord | undefined, choice: RegistrationChoice, updateServerUrl: boolean): RegistrationChoice {
  if (record === undefined || record.state !== 'ready') {
    ctx.ui.info(describeRegistration(choice));
    return choice;
  }
  const settled = settleRegisteredUrl(record.server, choice, updateServerUrl);
  if (settled.kind === 'refuse') {
    throw new EdgectlError('precondition', `refusing to change the registration URL of cluster ${record.id}: ${settled.message}`, {
      hint: `every node of the cluster joined through ${record.server}; if ${choice.url} is right (it must be in the server certificate: --tls-san), re-run with --update-server-url, or leave out --advertise-address to keep the registered URL`,
    });
  }
  if (settled.kind === 'change') ctx.ui.warn(`--update-server-url: changing the registration URL of cluster ${record.id} from ${record.server} to ${choice.url}; nodes that joined earlier keep ${record.server} in their RKE2 config`);
  else if (settled.choice.source === 'registered' && choice.url !== record.server) {
    ctx.ui.info(`Registration URL ${record.server}: kept as registered in Vault (not ${choice.url}, ${choice.source === 'tls-san' ? 'the first --tls-san' : "this host's detected address"}); pass --advertise-address ADDR --update-server-url to change it.`);
    return settled.choice;
  }
  ctx.ui.info(describeRegistration(settled.choice));
  return settled.choice;
}
