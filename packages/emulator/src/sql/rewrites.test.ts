import { describe, expect, it } from '@jest/globals';
import { rewriteClone, rewriteOverwrite, rewriteSequences } from './rewrites.js';

describe('rewrites read from tokens', () => {
  it('turns CLONE into CREATE … AS SELECT, and only a whole CLONE statement', () => {
    expect(rewriteClone('CREATE OR REPLACE TABLE IF NOT EXISTS DB.S."T 2" CLONE DB.S.T')).toBe('CREATE OR REPLACE TABLE IF NOT EXISTS DB.S."T 2" AS SELECT * FROM DB.S.T');
    expect(rewriteClone('CREATE TABLE T CLONE S AT (OFFSET => -60)')).toBeUndefined();
    expect(rewriteClone("CREATE TABLE T AS SELECT 'CLONE' AS C")).toBeUndefined();
  });
  it('drops OVERWRITE and names the table to empty first', () => {
    expect(rewriteOverwrite('INSERT OVERWRITE INTO DB."S".T (A) SELECT 1')).toEqual({ sql: 'INSERT INTO DB."S".T (A) SELECT 1', target: 'DB."S".T' });
    expect(rewriteOverwrite('INSERT INTO T SELECT 1')).toBeUndefined();
  });
  it('rewrites seq.NEXTVAL outside strings and comments only', () => {
    expect(rewriteSequences(`SELECT S1.NEXTVAL, DB."s".SEQ.NEXTVAL, 'A.NEXTVAL' /* B.NEXTVAL */`)).toBe(`SELECT NEXTVAL('S1'), NEXTVAL('DB."s".SEQ'), 'A.NEXTVAL' /* B.NEXTVAL */`);
  });
});
