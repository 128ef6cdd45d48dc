import { describe, expect, it } from '@jest/globals';
import { splitStatements } from './split-statements.js';

describe('splitStatements', () => {
  it('splits at top-level semicolons and drops empty statements', () => {
    expect(splitStatements('SELECT 1; ;; SELECT 2;\n  ')).toEqual(['SELECT 1', 'SELECT 2']);
    expect(splitStatements('')).toEqual([]);
    expect(splitStatements('  -- only a comment\n /* and another */ ; ')).toEqual([]);
  });

  it('ignores ; inside strings, quoted identifiers, comments and $$', () => {
    expect(splitStatements(`SELECT ';', "a;b", $$;$$ -- ;\nFROM t /* ; */; SELECT 'it\\'s;'`)).toEqual([
      `SELECT ';', "a;b", $$;$$ -- ;\nFROM t`,
      `SELECT 'it\\'s;'`,
    ]);
  });

  it('keeps a Snowflake Scripting block with its inner ; as one statement', () => {
    const block = 'DECLARE n INT; BEGIN n := 1; IF (n > 0) THEN SELECT 1; END IF; CASE WHEN n = 1 THEN n := 2; END CASE; END';
    expect(splitStatements(`${block}; SELECT 2`)).toEqual([block, 'SELECT 2']);
    expect(splitStatements('BEGIN SELECT 1; BEGIN SELECT 2; END; END; SELECT 3')).toEqual(['BEGIN SELECT 1; BEGIN SELECT 2; END; END', 'SELECT 3']);
  });

  it('keeps EXECUTE IMMEDIATE $$ … $$ and a procedure body AS BEGIN … END whole', () => {
    expect(splitStatements('EXECUTE IMMEDIATE $$ BEGIN SELECT 1; END $$; SELECT 2')).toEqual(['EXECUTE IMMEDIATE $$ BEGIN SELECT 1; END $$', 'SELECT 2']);
    expect(splitStatements('CREATE PROCEDURE p() RETURNS INT LANGUAGE SQL AS BEGIN RETURN 1; END; CALL p()')).toEqual([
      'CREATE PROCEDURE p() RETURNS INT LANGUAGE SQL AS BEGIN RETURN 1; END',
      'CALL p()',
    ]);
  });

  it('treats BEGIN; and BEGIN TRANSACTION as transaction statements', () => {
    expect(splitStatements('BEGIN; INSERT INTO t VALUES (1); COMMIT')).toEqual(['BEGIN', 'INSERT INTO t VALUES (1)', 'COMMIT']);
    expect(splitStatements('BEGIN TRANSACTION; SELECT 1; COMMIT;')).toEqual(['BEGIN TRANSACTION', 'SELECT 1', 'COMMIT']);
  });

  it('does not let a column or alias named begin swallow the statements after it', () => {
    expect(splitStatements('SELECT begin FROM t; COPY INTO @x FROM t')).toEqual(['SELECT begin FROM t', 'COPY INTO @x FROM t']);
    expect(splitStatements('CREATE VIEW v AS SELECT 1 AS begin; GET @s file:///tmp')).toEqual(['CREATE VIEW v AS SELECT 1 AS begin', 'GET @s file:///tmp']);
  });
});
