/**
 * The main job on its embedded default: a local OpenBao, two real systemd hosts (containers
 * booted by tools/lab.sh, on the lab bridge) running the single executable, the fake RKE2
 * release. Bootstraps a server on one host, joins an agent on the other by cluster ID alone
 * through Vault, and prints what happened. The join token is never printed.
 */
import { type ContainerLab, createContainerLab } from '../test/support/container-lab.js';
import type { ExecResult } from '../test/support/sim-host.js';

function show(title: string, r: ExecResult): void {
  process.stdout.write(`\n=== ${title} (exit ${r.code})\n`);
  if (r.stderr.trim() !== '') process.stdout.write(`${r.stderr.trimEnd()}\n`);
  if (r.stdout.trim() !== '') process.stdout.write(`--- stdout\n${r.stdout.trimEnd()}\n`);
  if (r.code !== 0) throw new Error(`${title} failed with exit ${r.code}`);
}

async function main(): Promise<void> {
  let lab: ContainerLab | undefined;
  const started = Date.now();
  try {
    lab = await createContainerLab();
    process.stdout.write(`demo: OpenBao ${lab.bao.addr} (dev, in memory), KV v2 mount kv/; fake RKE2 release ${lab.releaseDir}\n`);
    const [server, agent] = await Promise.all([lab.host('edge-srv', '10.78.0.21'), lab.host('edge-agt', '10.78.0.22')]);
    process.stdout.write(`demo: hosts edge-srv ${server.address} and edge-agt ${agent.address} booted (systemd-nspawn), ${((Date.now() - started) / 1000).toFixed(1)}s\n`);
    const airgap = ['--airgap-dir', lab.releaseDir, '--wait-timeout', '120'];

    show('edge-srv: edgectl vault check', await server.edgectl(['vault', 'check']));
    show('edge-srv: edgectl rke2 server --dry-run', await server.edgectl(['rke2', 'server', '--dry-run', '--tag', 'site=demo', ...airgap]));
    const boot = await server.edgectl(['rke2', 'server', '--tag', 'site=demo', ...airgap]);
    show('edge-srv: edgectl rke2 server', boot);
    const clusterId = boot.stdout.trim();
    show(`edge-agt: edgectl rke2 agent --cluster-id ${clusterId}`, await agent.edgectl(['rke2', 'agent', '--cluster-id', clusterId, ...airgap]));
    show('operator: edgectl cluster list', await server.edgectl(['cluster', 'list']));
    show(`operator: edgectl cluster show ${clusterId}`, await server.edgectl(['cluster', 'show', clusterId]));

    const serverToken = server.read('/var/lib/rancher/rke2/server/token')?.trim();
    const agentToken = agent.read('/etc/rancher/rke2/edgectl-token')?.trim();
    process.stdout.write('\n=== what happened\n');
    process.stdout.write(`cluster ID on edge-srv: ${server.read('/etc/edgectl/cluster-id')?.trim()}\n`);
    process.stdout.write(`cluster ID on edge-agt: ${agent.read('/etc/edgectl/cluster-id')?.trim()}\n`);
    process.stdout.write(`agent's token file equals the server's token: ${serverToken !== undefined && serverToken === agentToken}\n`);
    process.stdout.write(`agent ready (kubelet kubeconfig written): ${agent.read('/var/lib/rancher/rke2/agent/kubelet.kubeconfig') !== undefined}\n`);
    for (const [host, unit] of [[server, 'rke2-server'], [agent, 'rke2-agent']] as const) {
      const active = await host.run('systemctl', ['is-active', unit]);
      process.stdout.write(`systemctl is-active ${unit} on ${host.name}: ${active.stdout.trim()}\n`);
    }
  } finally {
    await lab?.close();
    process.stdout.write(`\ndemo: container hosts and OpenBao removed; ${((Date.now() - started) / 1000).toFixed(1)}s in all\n`);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`demo failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
