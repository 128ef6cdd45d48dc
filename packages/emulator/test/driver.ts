/** Test helpers: the promisified driver from @snowtrail/devkit and the emulator's default options. */
export { connect, destroy, execute, rsaKeyPair, type Connection, type Executed, type Statement } from '@snowtrail/devkit';

/** Default connection options for an emulator URL. */
export function baseOptions(url: string, account = 'SNOWTRAIL'): Record<string, unknown> {
  return { accessUrl: url, account };
}
