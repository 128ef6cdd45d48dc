// @peculiar/x509 resolves its ASN.1 codecs through tsyringe, which needs the Reflect metadata
// polyfill loaded first (the library's documented requirement).
import 'reflect-metadata';
import { X509Certificate, createPrivateKey, generateKeyPairSync, randomBytes, webcrypto, type KeyObject } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { OPERATOR_ERRORS, OperatorError } from '../errors.js';

/** A PEM certificate with its PEM (PKCS#8) private key. */
export interface KeyPairPem {
  certPem: string;
  keyPem: string;
}

const DAY_MS = 86_400_000;
// RSA 2048 with PKCS#1 v1.5 / SHA-256: what every API server verifies; WebCrypto (native in Node)
// signs, @peculiar/x509 builds and encodes the certificate.
const RSA: webcrypto.RsaHashedImportParams = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
const crypto = webcrypto;
type CryptoKey = webcrypto.CryptoKey;

/** A new RSA key: the KeyObject for PEM export, CryptoKeys for signing and the certificate. */
async function newRsaKey(): Promise<{ keys: webcrypto.CryptoKeyPair; keyPem: string }> {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { keys: { privateKey: await toSigningKey(privateKey), publicKey: await publicKey.toCryptoKey(RSA, true, ['verify']) }, keyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string };
}

async function toSigningKey(key: KeyObject): Promise<CryptoKey> {
  return key.toCryptoKey(RSA, false, ['sign']);
}

function serial(): string {
  // Positive 128-bit serial (RFC 5280 §4.1.2.2: positive, ≤ 20 octets).
  const b = randomBytes(16);
  b[0] = (b[0]! & 0x7f) | 0x01;
  return b.toString('hex');
}

// Backdated a little so a node with a slightly slow clock accepts a new certificate at once.
const notBeforeOf = (now: Date) => new Date(now.getTime() - 5 * 60_000);

/** Creates a self-signed CA certificate (for signing the webhook's serving certificate only). */
export async function createCertificateAuthority(options: { commonName: string; validityDays: number; now: Date }): Promise<KeyPairPem> {
  const { keys, keyPem } = await newRsaKey();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: [{ CN: [options.commonName] }],
    notBefore: notBeforeOf(options.now),
    notAfter: new Date(options.now.getTime() + options.validityDays * DAY_MS),
    signingAlgorithm: RSA,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey, false, crypto),
    ],
  }, crypto);
  return { certPem: cert.toString('pem'), keyPem };
}

/** Issues a TLS serving certificate for the given DNS names (and IPs), signed by the CA. */
export async function issueServingCertificate(ca: KeyPairPem, options: { dnsNames: string[]; ipAddresses?: string[]; validityDays: number; now: Date }): Promise<KeyPairPem> {
  if (options.dnsNames.length === 0) throw new OperatorError(OPERATOR_ERRORS.certificate, 'a serving certificate needs at least one DNS name');
  let caCert: x509.X509Certificate;
  let caKey: CryptoKey;
  try {
    caCert = new x509.X509Certificate(ca.certPem);
    caKey = await toSigningKey(createPrivateKey(ca.keyPem));
  } catch (err) {
    throw new OperatorError(OPERATOR_ERRORS.certificate, 'the webhook CA is not a readable RSA certificate and key', { cause: err });
  }
  const { keys, keyPem } = await newRsaKey();
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: [{ CN: [options.dnsNames[0]!] }],
    issuer: caCert.subject,
    notBefore: notBeforeOf(options.now),
    notAfter: new Date(Math.min(options.now.getTime() + options.validityDays * DAY_MS, caCert.notAfter.getTime())),
    signingAlgorithm: RSA,
    publicKey: keys.publicKey,
    signingKey: caKey,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension([...options.dnsNames.map((value) => ({ type: 'dns' as const, value })), ...(options.ipAddresses ?? []).map((value) => ({ type: 'ip' as const, value }))]),
      await x509.AuthorityKeyIdentifierExtension.create(caCert, false, crypto),
    ],
  }, crypto);
  return { certPem: cert.toString('pem'), keyPem };
}

/** The DNS names in a certificate's subjectAltName, parsed (never matched as text); empty when unreadable. */
export function certificateDnsNames(certPem: string): string[] {
  try {
    const san = new x509.X509Certificate(certPem).getExtension(x509.SubjectAlternativeNameExtension);
    return (san?.names.items ?? []).filter((n) => n.type === 'dns').map((n) => n.value);
  } catch {
    return [];
  }
}

/** True when the certificate names every one of `dnsNames` exactly (`svc` is not covered by `svc-x`). */
export function coversDnsNames(certPem: string, dnsNames: readonly string[]): boolean {
  const names = new Set(certificateDnsNames(certPem));
  return dnsNames.every((n) => names.has(n));
}

/** When a PEM certificate expires. */
export function certificateNotAfter(certPem: string): Date {
  try {
    return new Date(new X509Certificate(certPem).validTo);
  } catch (err) {
    throw new OperatorError(OPERATOR_ERRORS.certificate, 'not a readable PEM certificate', { cause: err });
  }
}

/** True when the certificate is past `renewFraction` of its lifetime (or unreadable, or not yet valid). */
export function shouldRenew(certPem: string, now: Date, renewFraction = 2 / 3): boolean {
  try {
    const x = new X509Certificate(certPem);
    const from = new Date(x.validFrom).getTime();
    const to = new Date(x.validTo).getTime();
    return now.getTime() >= from + (to - from) * renewFraction || now.getTime() < from;
  } catch {
    return true;
  }
}

/** True when `certPem` was signed by `caPem`. */
export function isSignedBy(certPem: string, caPem: string): boolean {
  try {
    return new X509Certificate(certPem).verify(new X509Certificate(caPem).publicKey);
  } catch {
    return false;
  }
}
