import type { IncomingMessage } from 'node:http';
import type { SessionStartInfo } from '@snowtrail/recording';

/** The client facts recorded with a session: app and version (headers or body), address, user agent. */
export function clientInfoFrom(req: IncomingMessage, data?: Record<string, unknown>): SessionStartInfo['client'] {
  const h = req.headers;
  const app = (h['client_app_id'] as string | undefined) ?? (typeof data?.CLIENT_APP_ID === 'string' ? data.CLIENT_APP_ID : undefined);
  const versionRaw = (h['client_app_version'] as string | undefined) ?? data?.CLIENT_APP_VERSION;
  const info: SessionStartInfo['client'] = {};
  if (app) info.app = app;
  // Some clients send CLIENT_APP_VERSION as a number (teleport issue #14974): accept both.
  if (versionRaw !== undefined && versionRaw !== null) info.version = String(versionRaw);
  if (req.socket.remoteAddress) info.address = req.socket.remoteAddress;
  if (h['user-agent']) info.userAgent = h['user-agent'];
  return info;
}
