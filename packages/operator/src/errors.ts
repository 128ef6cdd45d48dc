import { SnowtrailError } from '@snowtrail/protocol';

/** Error codes of @snowtrail/operator; documented in docs/errors/operator.md (a test keeps them in sync). */
export const OPERATOR_ERRORS = {
  manifestInvalid: 'SNOWTRAIL_ERR_OPERATOR_MANIFEST_INVALID',
  policyInvalid: 'SNOWTRAIL_ERR_OPERATOR_POLICY_INVALID',
  injectionDenied: 'SNOWTRAIL_ERR_OPERATOR_INJECTION_DENIED',
  optionsInvalid: 'SNOWTRAIL_ERR_OPERATOR_OPTIONS_INVALID',
  kubeApi: 'SNOWTRAIL_ERR_OPERATOR_KUBE_API',
  certificate: 'SNOWTRAIL_ERR_OPERATOR_CERTIFICATE',
  kubeconfig: 'SNOWTRAIL_ERR_OPERATOR_KUBECONFIG',
} as const;

/** An operator failure with a stable `code`. */
export class OperatorError extends SnowtrailError {
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'OperatorError';
  }
}

/** Throws OPTIONS_INVALID naming the missing field (checked once at construction). */
export function requireOption<T>(value: T | undefined | null, name: string, owner: string): T {
  if (value === undefined || value === null) throw new OperatorError(OPERATOR_ERRORS.optionsInvalid, `${owner}: option ${name} is required`);
  return value;
}
