import { describe, expect, it } from '@jest/globals';
import { chooseResultFormat } from './result-format.js';

describe('chooseResultFormat', () => {
  const none = { sessionParameters: {}, statementParameters: undefined };

  it('gives JDBC, the Python connector and Go Arrow by default, the Node driver and unknown clients JSON', () => {
    expect(chooseResultFormat({ ...none, clientAppId: 'JDBC' })).toBe('arrow');
    expect(chooseResultFormat({ ...none, clientAppId: 'PythonConnector' })).toBe('arrow');
    expect(chooseResultFormat({ ...none, clientAppId: 'Go' })).toBe('arrow');
    expect(chooseResultFormat({ ...none, clientAppId: 'JavaScript' })).toBe('json');
    expect(chooseResultFormat({ ...none, clientAppId: undefined })).toBe('json');
  });

  it("lets each client's own parameter override its default, and ignores another client's", () => {
    expect(chooseResultFormat({ clientAppId: 'JDBC', sessionParameters: { JDBC_QUERY_RESULT_FORMAT: 'JSON' }, statementParameters: undefined })).toBe('json');
    expect(chooseResultFormat({ clientAppId: 'PythonConnector', sessionParameters: { JDBC_QUERY_RESULT_FORMAT: 'JSON' }, statementParameters: undefined })).toBe('arrow');
    expect(chooseResultFormat({ clientAppId: 'Go', sessionParameters: { go_query_result_format: 'json' }, statementParameters: undefined })).toBe('json');
  });

  it('applies QUERY_RESULT_FORMAT to every client, below the client parameter', () => {
    expect(chooseResultFormat({ clientAppId: 'JavaScript', sessionParameters: { QUERY_RESULT_FORMAT: 'ARROW' }, statementParameters: undefined })).toBe('arrow');
    expect(chooseResultFormat({ clientAppId: 'JDBC', sessionParameters: { QUERY_RESULT_FORMAT: 'JSON', JDBC_QUERY_RESULT_FORMAT: 'ARROW' }, statementParameters: undefined })).toBe('arrow');
  });

  it('lets statement parameters win over session ones (the Python connector without its extension asks JSON per statement)', () => {
    expect(chooseResultFormat({ clientAppId: 'PythonConnector', sessionParameters: { PYTHON_CONNECTOR_QUERY_RESULT_FORMAT: 'ARROW' }, statementParameters: { PYTHON_CONNECTOR_QUERY_RESULT_FORMAT: 'JSON' } })).toBe('json');
  });

  it('ignores values that are not a format', () => {
    expect(chooseResultFormat({ clientAppId: 'JDBC', sessionParameters: { JDBC_QUERY_RESULT_FORMAT: 'CSV' }, statementParameters: undefined })).toBe('arrow');
  });
});
