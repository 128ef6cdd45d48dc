import { describe, expect, it } from '@jest/globals';
import { parseSidecarConfig } from './parse-config.js';

const minimal = `
identity:
  issuer: https://kubernetes.default.svc
  jwksFile: /etc/snowtrail/jwks.json
  allowedSubjects: [system:serviceaccount:pipelines:etl]
upstream:
  url: https://myorg-myacct.snowflakecomputing.com
  account: myorg-myacct
  user: SVC_ETL
  auth: { type: keypair, privateKeyFile: /var/run/snowtrail/creds/private-key.pem }
recording:
  store: { type: dir, path: /tmp/rec }
  signing: { keyFile: /var/run/snowtrail/signing/key.pem }
`;

describe('parseSidecarConfig', () => {
  it('fills the documented defaults', () => {
    const c = parseSidecarConfig(minimal);
    expect(c.listen).toEqual({ host: '127.0.0.1', port: 8089, maxRequestBytes: 64 * 1024 * 1024 });
    expect(c.admin.port).toBe(9090);
    expect(c.identity.audiences).toEqual(['snowtrail']);
    expect(c.recording.mode).toBe('required');
    expect(c.recording.flush).toEqual({ intervalSeconds: 5, maxBytes: 8 * 1024 * 1024 });
    expect(c.policy.defaultAction).toBe('allow');
  });

  it('defaults the workload-identity token file and Snowflake\'s audience', () => {
    const c = parseSidecarConfig(minimal.replace('type: keypair, privateKeyFile: /var/run/snowtrail/creds/private-key.pem', 'type: workloadIdentity'));
    expect(c.upstream.auth).toEqual({ type: 'workloadIdentity', tokenFile: '/var/run/snowtrail/workload-identity/token', audience: 'snowflakecomputing.com' });
    expect(() => parseSidecarConfig(minimal.replace('type: keypair, privateKeyFile: /var/run/snowtrail/creds/private-key.pem', 'type: workloadIdentity, privateKeyFile: /k'))).toThrow(/privateKeyFile/);
  });

  it('names an unknown key', () => {
    expect(() => parseSidecarConfig(`${minimal}\nlisten: { hots: x }\n`)).toThrow(/listen\.hots: unknown key/);
  });

  it('names a bad value', () => {
    expect(() => parseSidecarConfig(minimal.replace('type: keypair, privateKeyFile: /var/run/snowtrail/creds/private-key.pem', 'type: kerberos'))).toThrow(/upstream\.auth/);
    expect(() => parseSidecarConfig(`${minimal}\nadmin: { port: 70000 }\n`)).toThrow(/admin\.port/);
  });

  it('requires exactly one JWKS source', () => {
    expect(() => parseSidecarConfig(minimal.replace('jwksFile: /etc/snowtrail/jwks.json', 'jwksUri: https://x/jwks'))).not.toThrow();
    expect(() => parseSidecarConfig(minimal.replace('jwksFile: /etc/snowtrail/jwks.json', ''))).toThrow(/identity\.jwksUri: exactly one/);
  });
});
