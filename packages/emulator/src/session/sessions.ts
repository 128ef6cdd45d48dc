/**
 * The session table: session and master tokens with their validity, renewal (§8.2), and each
 * session's names and DuckDB connection. Statements of one session run one at a time.
 */
import { randomBytes } from 'node:crypto';
import type { ParameterEntry } from '@snowtrail/protocol';
import type { SessionState } from '../engine/engine.js';
import { isTrue } from './params.js';

/** One emulated Snowflake session. */
export interface Session extends SessionState {
  id: number;
  user: string;
  authenticator: string;
  token: string;
  masterToken: string;
  tokenExpiresAt: number;
  masterExpiresAt: number;
  /** Session parameters echoed in answers (the client's SESSION_PARAMETERS plus ALTER SESSION). */
  parameters: Record<string, unknown>;
  /** Serialises statements: a DuckDB connection runs one statement at a time. */
  tail: Promise<unknown>;
  closed: boolean;
}

/** What looking up a token found. */
export type TokenLookup = { status: 'valid'; session: Session } | { status: 'expired'; session: Session } | { status: 'invalid' };

/** Makes an opaque, unguessable token. */
export function newToken(prefix: string): string {
  return `${prefix}-${randomBytes(24).toString('base64url')}`;
}

/** Sessions by token. */
export class SessionStore {
  private readonly byToken = new Map<string, Session>();
  private readonly superseded = new Map<string, Session>();
  private readonly byMaster = new Map<string, Session>();
  private readonly byId = new Map<number, Session>();
  private nextId = 1_172_562_260_498;

  constructor(
    private readonly validitySeconds: number,
    private readonly masterValiditySeconds: number,
    private readonly now: () => number,
  ) {}

  /** Creates a session with fresh tokens. */
  create(init: Omit<Session, 'id' | 'token' | 'masterToken' | 'tokenExpiresAt' | 'masterExpiresAt' | 'tail' | 'closed'>): Session {
    const now = this.now();
    // Sessions whose master token expired can never be used again: release their DuckDB connections.
    for (const s of this.byId.values()) if (s.masterExpiresAt <= now) this.close(s);
    const session: Session = {
      ...init,
      id: this.nextId++,
      token: newToken('ST'),
      masterToken: newToken('MT'),
      tokenExpiresAt: now + this.validitySeconds * 1000,
      masterExpiresAt: now + this.masterValiditySeconds * 1000,
      tail: Promise.resolve(),
      closed: false,
    };
    this.byToken.set(session.token, session);
    this.byMaster.set(session.masterToken, session);
    this.byId.set(session.id, session);
    return session;
  }

  /** Finds the session of a session token; superseded tokens count as expired (the driver renews again). */
  lookup(token: string | undefined): TokenLookup {
    if (!token) return { status: 'invalid' };
    const s = this.byToken.get(token);
    if (s && !s.closed) return s.tokenExpiresAt > this.now() ? { status: 'valid', session: s } : { status: 'expired', session: s };
    const old = this.superseded.get(token);
    if (old && !old.closed) return { status: 'expired', session: old };
    return { status: 'invalid' };
  }

  /** Renews a session token with its master token (§8.2). */
  renew(masterToken: string | undefined, oldSessionToken: string | undefined): { status: 'ok'; session: Session } | { status: 'notFound' | 'expired' | 'mismatch' } {
    const s = masterToken ? this.byMaster.get(masterToken) : undefined;
    if (!s || s.closed) return { status: 'notFound' };
    if (s.masterExpiresAt <= this.now()) return { status: 'expired' };
    if (oldSessionToken && oldSessionToken !== s.token && this.superseded.get(oldSessionToken) !== s) return { status: 'mismatch' };
    this.byToken.delete(s.token);
    this.superseded.set(s.token, s);
    s.token = newToken('ST');
    s.tokenExpiresAt = this.now() + this.validitySeconds * 1000;
    this.byToken.set(s.token, s);
    return { status: 'ok', session: s };
  }

  /** Marks every session token as expired now (fault injection and tests). */
  expireAll(): number {
    const now = this.now();
    let n = 0;
    for (const s of this.byId.values()) {
      if (s.closed) continue;
      s.tokenExpiresAt = Math.min(s.tokenExpiresAt, now - 1);
      n++;
    }
    return n;
  }

  /** Expires master tokens too, so the next renewal fails with 390114 (the session is over). */
  expireMasters(): void {
    const now = this.now();
    for (const s of this.byId.values()) s.masterExpiresAt = Math.min(s.masterExpiresAt, now - 1);
  }

  /** Ends a session and releases its DuckDB connection. */
  close(session: Session): void {
    if (session.closed) return;
    session.closed = true;
    this.byToken.delete(session.token);
    this.byMaster.delete(session.masterToken);
    this.byId.delete(session.id);
    for (const [t, s] of this.superseded) if (s === session) this.superseded.delete(t);
    // Close after the session's last statement so an in-flight statement is not cut off.
    void session.tail.finally(() => session.conn.closeSync());
  }

  /** All open sessions. */
  all(): Session[] {
    return [...this.byId.values()];
  }

  /** Validity in seconds (for answers). */
  get validity(): { session: number; master: number } {
    return { session: this.validitySeconds, master: this.masterValiditySeconds };
  }
}

/** Runs `fn` after the session's previous statement finished. */
export function runInSession<T>(session: Session, fn: () => Promise<T>): Promise<T> {
  const run = session.tail.then(fn, fn);
  session.tail = run.catch(() => undefined);
  return run;
}

/** Format parameters sent on every answer: the driver reads formats per answer, not from login (§4.3, §16.4). */
export const FORMAT_PARAMETERS: ParameterEntry[] = [
  { name: 'TIMEZONE', value: 'UTC' },
  { name: 'DATE_OUTPUT_FORMAT', value: 'YYYY-MM-DD' },
  { name: 'TIME_OUTPUT_FORMAT', value: 'HH24:MI:SS' },
  { name: 'TIMESTAMP_OUTPUT_FORMAT', value: 'YYYY-MM-DD HH24:MI:SS.FF3 TZHTZM' },
  { name: 'TIMESTAMP_NTZ_OUTPUT_FORMAT', value: 'YYYY-MM-DD HH24:MI:SS.FF3' },
  { name: 'TIMESTAMP_LTZ_OUTPUT_FORMAT', value: '' },
  { name: 'TIMESTAMP_TZ_OUTPUT_FORMAT', value: '' },
  { name: 'BINARY_OUTPUT_FORMAT', value: 'HEX' },
  { name: 'CLIENT_RESULT_CHUNK_SIZE', value: 160 },
  { name: 'CLIENT_STAGE_ARRAY_BINDING_THRESHOLD', value: 65280 },
  // snowflake-jdbc reads AUTOCOMMIT from the login answer as a Boolean and fails without it.
  { name: 'AUTOCOMMIT', value: true },
];

/** The parameters of an answer: formats, overridden and extended by the session's own. */
export function answerParameters(session: Pick<Session, 'parameters'> | undefined): ParameterEntry[] {
  const extra = session?.parameters ?? {};
  const out = FORMAT_PARAMETERS.map((p) => (p.name in extra ? { name: p.name, value: p.name === 'AUTOCOMMIT' ? isTrue(extra[p.name]) : extra[p.name] } : p));
  for (const [name, value] of Object.entries(extra)) if (!FORMAT_PARAMETERS.some((p) => p.name === name)) out.push({ name, value });
  return out;
}

