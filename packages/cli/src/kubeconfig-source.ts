import { delimiter, join } from 'node:path';

/** Where `snowtrail operator` gets its Kubernetes client configuration. */
export type KubeconfigSource = { kind: 'in-cluster' } | { kind: 'file'; paths: string[] } | { kind: 'none'; tried: string[] };

/**
 * Decides the kubeconfig source as kubectl does (--kubeconfig, then $KUBECONFIG, then ~/.kube/config),
 * in-cluster when asked or when the pod environment says so. `none` when nothing exists, so the
 * command can say "no kubeconfig" instead of failing later against a default `localhost` cluster.
 */
export function findKubeconfigSource(input: { kubeconfig?: string; inCluster?: boolean; env: NodeJS.ProcessEnv; home: string; exists: (path: string) => boolean }): KubeconfigSource {
  if (input.inCluster) return { kind: 'in-cluster' };
  if (input.kubeconfig) return { kind: 'file', paths: [input.kubeconfig] };
  if (input.env.KUBERNETES_SERVICE_HOST) return { kind: 'in-cluster' };
  const fromEnv = (input.env.KUBECONFIG ?? '').split(delimiter).filter(Boolean);
  const candidates = fromEnv.length ? fromEnv : [join(input.home, '.kube', 'config')];
  const present = candidates.filter((p) => input.exists(p));
  return present.length ? { kind: 'file', paths: present } : { kind: 'none', tried: candidates };
}
