import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { certificateNotAfter, createCertificateAuthority, isSignedBy, issueServingCertificate, shouldRenew } from './x509.js';
import { planCertificates, serviceDnsNames } from './webhook-certs.js';

const DAY = 86_400_000;
const t0 = new Date('2026-11-26T12:00:00Z');
const ca = createCertificateAuthority({ commonName: 'test-ca', validityDays: 30, now: t0 });
const names = serviceDnsNames('snowtrail-webhook', 'snowtrail-system');

describe('webhook X.509', () => {
  it('issues a serving certificate for the Service names, signed by the CA, for server auth only', () => {
    const s = issueServingCertificate(ca, { dnsNames: names, validityDays: 7, now: t0 });
    const x = new X509Certificate(s.certPem);
    expect(x.subjectAltName).toBe('DNS:snowtrail-webhook, DNS:snowtrail-webhook.snowtrail-system, DNS:snowtrail-webhook.snowtrail-system.svc, DNS:snowtrail-webhook.snowtrail-system.svc.cluster.local');
    expect(x.ca).toBe(false);
    expect(x.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1']);
    expect(isSignedBy(s.certPem, ca.certPem)).toBe(true);
    expect(isSignedBy(s.certPem, createCertificateAuthority({ commonName: 'other', validityDays: 1, now: t0 }).certPem)).toBe(false);
    expect(new X509Certificate(ca.certPem).ca).toBe(true);
    expect(certificateNotAfter(s.certPem).getTime()).toBe(Math.floor((t0.getTime() + 7 * DAY) / 1000) * 1000);
  });

  it('never outlives its CA', () => {
    const s = issueServingCertificate(ca, { dnsNames: names, validityDays: 365, now: t0 });
    expect(certificateNotAfter(s.certPem).getTime()).toBe(certificateNotAfter(ca.certPem).getTime());
  });

  it('renews at two thirds of the lifetime', () => {
    const s = issueServingCertificate(ca, { dnsNames: names, validityDays: 9, now: t0 });
    expect(shouldRenew(s.certPem, new Date(t0.getTime() + 5 * DAY))).toBe(false);
    expect(shouldRenew(s.certPem, new Date(t0.getTime() + 7 * DAY))).toBe(true);
    expect(shouldRenew('not a certificate', t0)).toBe(true);
  });

  it('plans creation, serving renewal and CA rotation with both CAs in the bundle', () => {
    const created = planCertificates(undefined, names, t0, { caDays: 30, servingDays: 9 })!;
    expect(created.why).toBe('created');
    expect(planCertificates(created.set, names, new Date(t0.getTime() + DAY), { caDays: 30, servingDays: 9 })).toBeUndefined();
    const renewed = planCertificates(created.set, names, new Date(t0.getTime() + 7 * DAY), { caDays: 30, servingDays: 9 })!;
    expect(renewed.why).toBe('serving_renewed');
    expect(renewed.set.ca).toEqual(created.set.ca);
    expect(renewed.set.serving.certPem).not.toBe(created.set.serving.certPem);
    const otherService = planCertificates(created.set, serviceDnsNames('renamed', 'snowtrail-system'), new Date(t0.getTime() + DAY))!;
    expect(otherService.why).toBe('serving_renewed');
    const rotated = planCertificates(created.set, names, new Date(t0.getTime() + 21 * DAY), { caDays: 30, servingDays: 9 })!;
    expect(rotated.why).toBe('ca_rotated');
    expect(rotated.set.caBundle).toBe(`${rotated.set.ca.certPem}${created.set.ca.certPem}`);
    expect(isSignedBy(rotated.set.serving.certPem, rotated.set.ca.certPem)).toBe(true);
  });
});
