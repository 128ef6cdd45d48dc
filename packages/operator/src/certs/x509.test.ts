import { X509Certificate } from 'node:crypto';
import { beforeAll, describe, expect, it } from '@jest/globals';
import { certificateDnsNames, certificateNotAfter, coversDnsNames, createCertificateAuthority, isSignedBy, issueServingCertificate, shouldRenew, type KeyPairPem } from './x509.js';
import { planCertificates, serviceDnsNames } from './webhook-certs.js';

const DAY = 86_400_000;
const t0 = new Date('2026-11-26T12:00:00Z');
const names = serviceDnsNames('snowtrail-webhook', 'snowtrail-system');
let ca: KeyPairPem;
beforeAll(async () => {
  ca = await createCertificateAuthority({ commonName: 'test-ca', validityDays: 30, now: t0 });
});

describe('webhook X.509 (@peculiar/x509, verified by node:crypto)', () => {
  it('issues a serving certificate for the Service names, signed by the CA, for server auth only', async () => {
    const s = await issueServingCertificate(ca, { dnsNames: names, ipAddresses: ['127.0.0.1'], validityDays: 7, now: t0 });
    const x = new X509Certificate(s.certPem);
    expect(x.subjectAltName).toBe('DNS:snowtrail-webhook, DNS:snowtrail-webhook.snowtrail-system, DNS:snowtrail-webhook.snowtrail-system.svc, DNS:snowtrail-webhook.snowtrail-system.svc.cluster.local, IP Address:127.0.0.1');
    expect(x.ca).toBe(false);
    expect(x.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1']);
    expect(x.checkPrivateKey((await import('node:crypto')).createPrivateKey(s.keyPem))).toBe(true);
    expect(isSignedBy(s.certPem, ca.certPem)).toBe(true);
    expect(x.checkIssued(new X509Certificate(ca.certPem))).toBe(true);
    expect(isSignedBy(s.certPem, (await createCertificateAuthority({ commonName: 'other', validityDays: 1, now: t0 })).certPem)).toBe(false);
    expect(new X509Certificate(ca.certPem).ca).toBe(true);
    expect(x.issuer).toBe('CN=test-ca');
    expect(certificateNotAfter(s.certPem).getTime()).toBe(Math.floor((t0.getTime() + 7 * DAY) / 1000) * 1000);
  });

  it('never outlives its CA', async () => {
    const s = await issueServingCertificate(ca, { dnsNames: names, validityDays: 365, now: t0 });
    expect(certificateNotAfter(s.certPem).getTime()).toBe(certificateNotAfter(ca.certPem).getTime());
  });

  it('refuses an unreadable CA with a coded error', async () => {
    await expect(issueServingCertificate({ certPem: 'nope', keyPem: ca.keyPem }, { dnsNames: names, validityDays: 1, now: t0 })).rejects.toMatchObject({ code: 'SNOWTRAIL_ERR_OPERATOR_CERTIFICATE' });
    await expect(issueServingCertificate(ca, { dnsNames: [], validityDays: 1, now: t0 })).rejects.toMatchObject({ code: 'SNOWTRAIL_ERR_OPERATOR_CERTIFICATE' });
  });

  it('renews at two thirds of the lifetime', async () => {
    const s = await issueServingCertificate(ca, { dnsNames: names, validityDays: 9, now: t0 });
    expect(shouldRenew(s.certPem, new Date(t0.getTime() + 5 * DAY))).toBe(false);
    expect(shouldRenew(s.certPem, new Date(t0.getTime() + 7 * DAY))).toBe(true);
    expect(shouldRenew('not a certificate', t0)).toBe(true);
  });

  it('compares SANs exactly: a near-miss name is not covered', async () => {
    const nearMiss = await issueServingCertificate(ca, { dnsNames: ['svc-x', 'svc-x.ns', 'a.svc.ns.svc'], validityDays: 9, now: t0 });
    expect(certificateDnsNames(nearMiss.certPem)).toEqual(['svc-x', 'svc-x.ns', 'a.svc.ns.svc']);
    expect(coversDnsNames(nearMiss.certPem, ['svc-x'])).toBe(true);
    // Each of these is a substring of the certificate's SAN text, and none is a name in it.
    expect(coversDnsNames(nearMiss.certPem, ['svc'])).toBe(false);
    expect(coversDnsNames(nearMiss.certPem, ['svc.ns'])).toBe(false);
    expect(coversDnsNames(nearMiss.certPem, ['svc-x.n'])).toBe(false);
    expect(coversDnsNames('garbage', ['svc'])).toBe(false);
  });

  it('renews a serving certificate whose names only nearly match the Service', async () => {
    const current = (await planCertificates(undefined, serviceDnsNames('svc-x', 'ns'), t0, { caDays: 30, servingDays: 9 }))!;
    expect(await planCertificates(current.set, serviceDnsNames('svc-x', 'ns'), t0, { caDays: 30, servingDays: 9 })).toBeUndefined();
    const next = (await planCertificates(current.set, serviceDnsNames('svc', 'ns'), t0, { caDays: 30, servingDays: 9 }))!;
    expect(next.why).toBe('serving_renewed');
    expect(certificateDnsNames(next.set.serving.certPem)).toEqual(serviceDnsNames('svc', 'ns'));
  });

  it('plans creation, serving renewal and CA rotation with both CAs in the bundle', async () => {
    const created = (await planCertificates(undefined, names, t0, { caDays: 30, servingDays: 9 }))!;
    expect(created.why).toBe('created');
    expect(await planCertificates(created.set, names, new Date(t0.getTime() + DAY), { caDays: 30, servingDays: 9 })).toBeUndefined();
    const renewed = (await planCertificates(created.set, names, new Date(t0.getTime() + 7 * DAY), { caDays: 30, servingDays: 9 }))!;
    expect(renewed.why).toBe('serving_renewed');
    expect(renewed.set.ca).toEqual(created.set.ca);
    expect(renewed.set.serving.certPem).not.toBe(created.set.serving.certPem);
    const otherService = (await planCertificates(created.set, serviceDnsNames('renamed', 'snowtrail-system'), new Date(t0.getTime() + DAY)))!;
    expect(otherService.why).toBe('serving_renewed');
    const rotated = (await planCertificates(created.set, names, new Date(t0.getTime() + 21 * DAY), { caDays: 30, servingDays: 9 }))!;
    expect(rotated.why).toBe('ca_rotated');
    expect(rotated.set.caBundle).toBe(`${rotated.set.ca.certPem}${created.set.ca.certPem}`);
    expect(isSignedBy(rotated.set.serving.certPem, rotated.set.ca.certPem)).toBe(true);
  });
});
