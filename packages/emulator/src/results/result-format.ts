/**
 * Which result format a statement is answered in, as Snowflake decides it: the driver's
 * CLIENT_APP_ID picks a default (JDBC, the Python connector and Go get Arrow; the Node driver and
 * anything else JSON), the client's own format parameter overrides it, QUERY_RESULT_FORMAT applies
 * to every client, and statement parameters win over session ones. SHOW, DESCRIBE and CALL are
 * always answered in JSON.
 */

/** The two result formats of a query answer (`queryResultFormat`). */
export type ResultFormat = 'json' | 'arrow';

/** CLIENT_APP_ID → that client's format parameter (the drivers' login request, PROTOCOL §3). */
export const CLIENT_FORMAT_PARAMETERS: Readonly<Record<string, string>> = {
  JDBC: 'JDBC_QUERY_RESULT_FORMAT',
  PythonConnector: 'PYTHON_CONNECTOR_QUERY_RESULT_FORMAT',
  Go: 'GO_QUERY_RESULT_FORMAT',
  ODBC: 'ODBC_QUERY_RESULT_FORMAT',
};

/** What the choice depends on. */
export interface FormatInputs {
  clientAppId: string | undefined;
  sessionParameters: Record<string, unknown>;
  statementParameters: Record<string, unknown> | undefined;
}

function parse(value: unknown): ResultFormat | undefined {
  if (typeof value !== 'string') return undefined;
  const v = value.trim().toUpperCase();
  return v === 'ARROW' || v === 'ARROW_FORCE' ? 'arrow' : v === 'JSON' ? 'json' : undefined;
}

function lookup(params: Record<string, unknown> | undefined, name: string): ResultFormat | undefined {
  if (!params) return undefined;
  for (const [k, v] of Object.entries(params)) if (k.toUpperCase() === name) return parse(v);
  return undefined;
}

/** The format a statement's rows are answered in. */
export function chooseResultFormat(inputs: FormatInputs): ResultFormat {
  const clientParameter = inputs.clientAppId ? CLIENT_FORMAT_PARAMETERS[inputs.clientAppId] : undefined;
  const names = clientParameter ? [clientParameter, 'QUERY_RESULT_FORMAT'] : ['QUERY_RESULT_FORMAT'];
  for (const params of [inputs.statementParameters, inputs.sessionParameters]) {
    for (const name of names) {
      const found = lookup(params, name);
      if (found) return found;
    }
  }
  return clientParameter && inputs.clientAppId !== 'ODBC' ? 'arrow' : 'json';
}
