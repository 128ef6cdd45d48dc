/** Key material the demo generates fresh on every run: nothing secret is shipped in the repo. */
import { generateKeyPairSync } from 'node:crypto';

/** The sidecar's Snowflake key pair (registered on the emulator's user) and the recording signing key. */
export interface DemoKeys {
  snowflakePrivateKeyPem: string;
  snowflakePublicKeyPem: string;
  signingPrivateKeyPem: string;
}

/** Generates an RSA-2048 Snowflake key pair and an EC P-256 digest signing key. */
export function generateDemoKeys(): DemoKeys {
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return {
    snowflakePrivateKeyPem: rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    snowflakePublicKeyPem: rsa.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    signingPrivateKeyPem: ec.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}
