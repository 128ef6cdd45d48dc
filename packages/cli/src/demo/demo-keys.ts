/** Key material the demo generates fresh on every run: nothing secret is shipped in the repo. */
import { generateKeyPairSync } from 'node:crypto';

/** The sidecar's Snowflake key pair, registered on the emulator's user (the `--key-pair` demo only). */
export interface DemoSnowflakeKeys {
  snowflakePrivateKeyPem: string;
  snowflakePublicKeyPem: string;
}

/** Generates an RSA-2048 Snowflake key pair. */
export function generateSnowflakeKeys(): DemoSnowflakeKeys {
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    snowflakePrivateKeyPem: rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    snowflakePublicKeyPem: rsa.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

/** Generates the EC P-256 key that signs the recording's digests (a recording key, not a Snowflake credential). */
export function generateSigningKey(): string {
  return generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
}
