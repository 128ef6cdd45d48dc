import { X509Certificate, constants, createPrivateKey, generateKeyPairSync, privateEncrypt, randomBytes, type KeyObject } from 'node:crypto';
import forge from 'node-forge';
import { OPERATOR_ERRORS, OperatorError } from '../errors.js';

/** A PEM certificate with its PEM (PKCS#8) private key. */
export interface KeyPairPem {
  certPem: string;
  keyPem: string;
}

const DAY_MS = 86_400_000;

// Keys come from node:crypto (native) rather than forge's pure-JS generator (seconds); forge only
// builds the certificate structure, which node:crypto cannot do.
function newRsaKey(): { nodeKey: KeyObject; publicKey: forge.pki.rsa.PublicKey; keyPem: string } {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const forgeKey = forge.pki.privateKeyFromPem(privateKey.export({ type: 'pkcs1', format: 'pem' }) as string);
  return { nodeKey: privateKey, publicKey: forge.pki.setRsaPublicKey(forgeKey.n, forgeKey.e), keyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string };
}

// DER prefix of DigestInfo{ sha256, digest } (RFC 8017 §9.2 note 1).
const SHA256_DIGEST_INFO = Buffer.from('3031300d060960864801650304020105000420', 'hex');

/** Signs a forge certificate with a node:crypto key: native RSA is ~50× faster than forge's BigInteger. */
function signCertificate(cert: forge.pki.Certificate, key: KeyObject): void {
  const signer = {
    sign: (md: forge.md.MessageDigest) => {
      const digestInfo = Buffer.concat([SHA256_DIGEST_INFO, Buffer.from(md.digest().getBytes(), 'latin1')]);
      // PKCS#1 v1.5 signature = private-key operation over DigestInfo with block type 1 padding.
      return privateEncrypt({ key, padding: constants.RSA_PKCS1_PADDING }, digestInfo).toString('latin1');
    },
  };
  cert.sign(signer as unknown as forge.pki.rsa.PrivateKey, forge.md.sha256.create());
}

function serial(): string {
  // Positive 128-bit serial (RFC 5280 §4.1.2.2: positive, ≤ 20 octets).
  const b = randomBytes(16);
  b[0] = b[0]! & 0x7f;
  return b.toString('hex');
}

/** Creates a self-signed CA certificate (for signing the webhook's serving certificate only). */
export function createCertificateAuthority(options: { commonName: string; validityDays: number; now: Date }): KeyPairPem {
  const { nodeKey, publicKey, keyPem } = newRsaKey();
  const cert = forge.pki.createCertificate();
  cert.publicKey = publicKey;
  cert.serialNumber = serial();
  // Backdated a little so a node with a slightly slow clock accepts it at once.
  cert.validity.notBefore = new Date(options.now.getTime() - 5 * 60_000);
  cert.validity.notAfter = new Date(options.now.getTime() + options.validityDays * DAY_MS);
  const attrs = [{ name: 'commonName', value: options.commonName }];
  cert.setSubject(attrs);
  cert.setIssuer(attrs);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, pathLenConstraint: 0, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  signCertificate(cert, nodeKey);
  return { certPem: forge.pki.certificateToPem(cert), keyPem };
}

/** Issues a TLS serving certificate for the given DNS names (and IPs), signed by the CA. */
export function issueServingCertificate(ca: KeyPairPem, options: { dnsNames: string[]; ipAddresses?: string[]; validityDays: number; now: Date }): KeyPairPem {
  if (options.dnsNames.length === 0) throw new OperatorError(OPERATOR_ERRORS.certificate, 'a serving certificate needs at least one DNS name');
  let caCert: forge.pki.Certificate;
  let caKey: KeyObject;
  try {
    caCert = forge.pki.certificateFromPem(ca.certPem);
    caKey = createPrivateKey(ca.keyPem);
  } catch (err) {
    throw new OperatorError(OPERATOR_ERRORS.certificate, 'the webhook CA is not a readable RSA certificate and key', { cause: err });
  }
  const { publicKey, keyPem } = newRsaKey();
  const cert = forge.pki.createCertificate();
  cert.publicKey = publicKey;
  cert.serialNumber = serial();
  cert.validity.notBefore = new Date(options.now.getTime() - 5 * 60_000);
  cert.validity.notAfter = new Date(Math.min(options.now.getTime() + options.validityDays * DAY_MS, caCert.validity.notAfter.getTime()));
  cert.setSubject([{ name: 'commonName', value: options.dnsNames[0]! }]);
  cert.setIssuer(caCert.subject.attributes);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false, critical: true },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    { name: 'subjectAltName', altNames: [...options.dnsNames.map((value) => ({ type: 2, value })), ...(options.ipAddresses ?? []).map((ip) => ({ type: 7, ip }))] },
  ]);
  signCertificate(cert, caKey);
  return { certPem: forge.pki.certificateToPem(cert), keyPem };
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
