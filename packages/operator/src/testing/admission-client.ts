import { request } from 'node:https';

/** An AdmissionReview v1 request as the API server sends it for a pod (override any field through `extra`). */
export function admissionReview(uid: string, object: unknown, extra: Record<string, unknown> = {}): Record<string, unknown> {
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

/** The HTTP status and parsed JSON body of one answer. */
export interface AdmissionAnswer {
  status: number;
  json: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- the test reads the review as JSON
}

/** POSTs a body to the webhook over real HTTPS, trusting `caPem`. */
export function postAdmission(url: string, caPem: string, body: string | Buffer, opts: { method?: string; path?: string } = {}): Promise<AdmissionAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}${opts.path ?? '/mutate'}`, { method: opts.method ?? 'POST', agent: false, ca: caPem, headers: { 'content-type': 'application/json' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(Buffer.concat(chunks).toString('utf8')) }));
    });
    req.on('error', reject);
    req.end(body);
  });
}
