import { stringify } from 'yaml';
import { API_GROUP, API_VERSION, CRD_NAME, POLICY_KIND, POLICY_PLURAL, POLICY_SINGULAR } from '../constants.js';
import { policySpecSchema, policyStatusSchema } from './policy-schema.js';
import { zodToStructural, type JsonSchema } from './openapi.js';

/** The openAPIV3Schema of the served version, generated from the zod spec and status. */
export function buildOpenApiSchema(): JsonSchema {
  return {
    type: 'object',
    description: 'SnowflakeAccessPolicy lets the service accounts it names reach one Snowflake account through the snowtrail sidecar, under statement rules, with every statement and response recorded.',
    required: ['spec'],
    properties: {
      apiVersion: { type: 'string', description: 'APIVersion of this object.' },
      kind: { type: 'string', description: 'Kind of this object.' },
      metadata: { type: 'object' },
      spec: zodToStructural(policySpecSchema),
      status: zodToStructural(policyStatusSchema),
    },
  };
}

/** The complete CustomResourceDefinition object. */
export function buildCrd(): Record<string, unknown> {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: CRD_NAME, labels: { 'app.kubernetes.io/name': 'snowtrail', 'app.kubernetes.io/component': 'crd' } },
    spec: {
      group: API_GROUP,
      scope: 'Namespaced',
      names: { kind: POLICY_KIND, listKind: `${POLICY_KIND}List`, plural: POLICY_PLURAL, singular: POLICY_SINGULAR, shortNames: ['sap', 'snowpolicy'], categories: ['snowtrail'] },
      versions: [
        {
          name: API_VERSION,
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: [
            { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
            { name: 'Reason', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].reason' },
            { name: 'Account', type: 'string', jsonPath: '.spec.snowflake.account' },
            { name: 'User', type: 'string', jsonPath: '.spec.snowflake.user', priority: 1 },
            { name: 'Recording', type: 'string', jsonPath: '.spec.recording.mode' },
            { name: 'Bucket', type: 'string', jsonPath: '.spec.recording.store.bucket', priority: 1 },
            { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
          ],
          schema: { openAPIV3Schema: buildOpenApiSchema() },
        },
      ],
    },
  };
}

/** The CRD as the YAML committed in crds/ (header says it is generated). */
export function renderCrdYaml(): string {
  const header = '# Generated from packages/operator/src/crd/policy-schema.ts — do not edit.\n# Regenerate: pnpm --filter @snowtrail/operator run generate:crds\n';
  return header + stringify(buildCrd(), { lineWidth: 0 });
}

/** File name of the CRD in crds/. */
export const CRD_FILE = `${CRD_NAME}.yaml`;
