import { describe, expect, it } from '@jest/globals';
import { findKubeconfigSource } from './kubeconfig-source.js';

const base = { env: {}, home: '/home/me', exists: (p: string) => p === '/home/me/.kube/config' || p === '/cfg/b' };

describe('findKubeconfigSource', () => {
  it.each([
    ['--in-cluster wins', { inCluster: true }, { kind: 'in-cluster' }],
    ['--kubeconfig is used as given (loading reports a missing file)', { kubeconfig: '/x' }, { kind: 'file', paths: ['/x'] }],
    ['in a pod', { env: { KUBERNETES_SERVICE_HOST: '10.0.0.1' } }, { kind: 'in-cluster' }],
    ['$KUBECONFIG files that exist', { env: { KUBECONFIG: '/cfg/a:/cfg/b' } }, { kind: 'file', paths: ['/cfg/b'] }],
    ['~/.kube/config', {}, { kind: 'file', paths: ['/home/me/.kube/config'] }],
    ['nothing anywhere', { home: '/nobody' }, { kind: 'none', tried: ['/nobody/.kube/config'] }],
    ['$KUBECONFIG naming only missing files', { env: { KUBECONFIG: '/cfg/a' } }, { kind: 'none', tried: ['/cfg/a'] }],
  ])('%s', (_name, input, expected) => {
    expect(findKubeconfigSource({ ...base, ...input })).toEqual(expected);
  });
});
