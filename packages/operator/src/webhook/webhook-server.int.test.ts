import { request } from 'node:https';
import { connect } from 'node:tls';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import jsonPatch from 'fast-json-patch';
import { Pod as PodModel } from 'kubernetes-models/v1';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { parse } from 'yaml';
import { createCertificateAuthority, issueServingCertificate } from '../certs/x509.js';
import type { SnowflakeAccessPolicy } from '../crd/policy-schema.js';
import { createOperatorMetrics } from '../metrics.js';
import { startWebhookServer, type WebhookServer } from './webhook-server.js';

const testdata = fileURLToPath(new URL('../../testdata/inject/', import.meta.url));
const jobPod = parse(readFileSync(`${testdata}job-pod/pod.yaml`, 'utf8'));
const policy = parse(readFileSync(`${testdata}job-pod/policy.yaml`, 'utf8')) as SnowflakeAccessPolicy;
const now = new Date();
const ca = await createCertificateAuthority({ commonName: 'snowtrail-webhook-ca', validityDays: 30, now });
const serving = await issueServingCertificate(ca, { dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'], validityDays: 7, now });

function review(uid: string, object: unknown, extra: Record<string, unknown> = {}) {
  return {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid,
      kind: { group: '', version: 'v1', kind: 'Pod' },
      resource: { group: '', version: 'v1', resource: 'pods' },
      requestKind: { group: '', version: 'v1', kind: 'Pod' },
      namespace: 'pipelines',
      operation: 'CREATE',
      userInfo: { username: 'system:serviceaccount:kube-system:job-controller' },
      object,
      dryRun: false,
      options: { apiVersion: 'meta.k8s.io/v1', kind: 'CreateOptions' },
      ...extra,
    },
  };
}

function post(server: WebhookServer, body: string | Buffer, opts: { caPem?: string; method?: string; path?: string } = {}): Promise<{ status: number; json: any }> { // eslint-disable-line @typescript-eslint/no-explicit-any
  return new Promise((resolve, reject) => {
    const req = request(`${server.url}${opts.path ?? '/mutate'}`, { method: opts.method ?? 'POST', agent: false, ca: opts.caPem ?? ca.certPem, headers: { 'content-type': 'application/json' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(Buffer.concat(chunks).toString('utf8')) }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('webhook over HTTPS (AdmissionReview v1)', () => {
  let server: WebhookServer;
  const registry = new Registry();
  beforeAll(async () => {
    const policies = new Map([['pipelines/etl', policy]]);
    server = await startWebhookServer({
      tls: serving,
      lookup: (ns, name) => policies.get(`${ns}/${name}`),
      logger: pino({ level: 'silent' }),
      metrics: createOperatorMetrics(registry, { defaultMetrics: false }),
      maxBodyBytes: 256 * 1024,
    });
  });
  afterAll(() => server.close());

  it('injects a pod: uid echoed, base64 JSONPatch that yields a valid Pod', async () => {
    const { status, json } = await post(server, JSON.stringify(review('0f1e2d3c-aaaa-4bbb-8ccc-000000000001', jobPod)));
    expect(status).toBe(200);
    expect(json.apiVersion).toBe('admission.k8s.io/v1');
    expect(json.kind).toBe('AdmissionReview');
    expect(json.response).toMatchObject({ uid: '0f1e2d3c-aaaa-4bbb-8ccc-000000000001', allowed: true, patchType: 'JSONPatch' });
    const patch = JSON.parse(Buffer.from(json.response.patch, 'base64').toString('utf8'));
    const pod = jsonPatch.applyPatch(structuredClone(jobPod), patch, true, false).newDocument;
    expect(() => new PodModel(pod).validate()).not.toThrow();
    expect(pod.spec.initContainers[0].name).toBe('snowtrail-sidecar');
  });

  it('denies a pod naming a missing policy with a message saying why', async () => {
    const pod = structuredClone(jobPod);
    pod.metadata.annotations['snowtrail.dev/policy'] = 'nope';
    const { json } = await post(server, JSON.stringify(review('uid-missing', pod)));
    expect(json.response.uid).toBe('uid-missing');
    expect(json.response.allowed).toBe(false);
    expect(json.response.status.code).toBe(403);
    expect(json.response.status.message).toContain('SnowflakeAccessPolicy pipelines/nope does not exist');
    expect(json.response.patch).toBeUndefined();
  });

  it('lets non-pod and non-CREATE requests through untouched', async () => {
    const a = await post(server, JSON.stringify(review('uid-update', jobPod, { operation: 'UPDATE' })));
    expect(a.json.response).toEqual({ uid: 'uid-update', allowed: true });
    const b = await post(server, JSON.stringify(review('uid-cm', { data: {} }, { kind: { group: '', version: 'v1', kind: 'ConfigMap' } })));
    expect(b.json.response).toEqual({ uid: 'uid-cm', allowed: true });
  });

  it('answers malformed JSON with a well-formed review echoing the uid it can find', async () => {
    const { status, json } = await post(server, '{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"uid-broken","object":{');
    expect(status).toBe(200);
    expect(json).toMatchObject({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid: 'uid-broken', allowed: false, status: { code: 400 } } });
    const garbage = await post(server, Buffer.from([0xff, 0x00, 0x13, 0x37]));
    expect(garbage.json.response).toMatchObject({ uid: '', allowed: false, status: { code: 400 } });
    const wrongShape = await post(server, JSON.stringify({ kind: 'AdmissionReview', request: { uid: 'uid-no-object', kind: { kind: 'Pod' }, operation: 'CREATE' } }));
    expect(wrongShape.json.response).toMatchObject({ uid: 'uid-no-object', allowed: false, status: { code: 400 } });
    const noRequest = await post(server, JSON.stringify({ kind: 'AdmissionReview' }));
    expect(noRequest.json.response).toMatchObject({ uid: '', allowed: false });
  });

  it('answers an oversized body with 413 inside a well-formed review, and keeps serving', async () => {
    const big = review('uid-huge', { ...jobPod, metadata: { ...jobPod.metadata, annotations: { ...jobPod.metadata.annotations, filler: 'x'.repeat(1024 * 1024) } } });
    const { status, json } = await post(server, JSON.stringify(big));
    expect(status).toBe(200);
    expect(json.response).toMatchObject({ uid: 'uid-huge', allowed: false, status: { code: 413 } });
    expect(json.response.status.message).toContain('more than the 262144 accepted');
    const after = await post(server, JSON.stringify(review('uid-after', jobPod)));
    expect(after.json.response.allowed).toBe(true);
  });

  it('answers a wrong method with a well-formed review', async () => {
    const { status, json } = await post(server, '', { method: 'GET' });
    expect(status).toBe(405);
    expect(json.kind).toBe('AdmissionReview');
  });

  it('counts admissions by result and reason', async () => {
    const text = await registry.metrics();
    expect(text).toMatch(/snowtrail_operator_admissions_total\{result="allowed",reason="injected"\} [1-9]/);
    expect(text).toMatch(/snowtrail_operator_admissions_total\{result="denied",reason="policy_not_found"\} 1/);
    expect(text).toMatch(/snowtrail_operator_admissions_total\{result="error",reason="request_too_large"\} 1/);
    expect(text).toMatch(/snowtrail_operator_admissions_total\{result="error",reason="malformed_request"\} [1-9]/);
    expect(text).toMatch(/snowtrail_operator_admission_duration_seconds_count [1-9]/);
  });

  // Raw bytes over TLS: what a scanner or a broken client sends. Each gets a status line, not a reset.
  const raw = (bytes: string): Promise<string> =>
    new Promise((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port: server.port, ca: ca.certPem, servername: 'localhost' }, () => socket.end(bytes));
      let text = '';
      socket.on('data', (c: Buffer) => (text += c.toString('latin1')));
      socket.on('end', () => resolve(text));
      socket.on('error', reject);
    });

  it('answers malformed HTTP with 400 and oversized headers with 431, and keeps serving', async () => {
    expect(await raw('THIS IS NOT HTTP\r\n\r\n')).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(await raw('POST /mutate HTTP/1.1\r\nHost: x\r\nContent-Length: nope\r\n\r\n')).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(await raw(`POST /mutate HTTP/1.1\r\nHost: x\r\nX-Filler: ${'a'.repeat(64 * 1024)}\r\n\r\n`)).toMatch(/^HTTP\/1\.1 431 Request Header Fields Too Large\r\n/);
    const after = await post(server, JSON.stringify(review('uid-after-garbage', jobPod)));
    expect(after.json.response.allowed).toBe(true);
  });

  it('serves a rotated certificate without a restart', async () => {
    const ca2 = await createCertificateAuthority({ commonName: 'rotated-ca', validityDays: 30, now });
    server.setCertificate(await issueServingCertificate(ca2, { dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'], validityDays: 7, now }));
    await expect(post(server, JSON.stringify(review('uid-old-ca', jobPod)))).rejects.toThrow();
    const { json } = await post(server, JSON.stringify(review('uid-new-ca', jobPod)), { caPem: ca2.certPem });
    expect(json.response.uid).toBe('uid-new-ca');
  });
});
