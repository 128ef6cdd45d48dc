import { randomBytes } from 'node:crypto';
import type { CoreV1Api } from '@kubernetes/client-node';
import type { Logger } from 'pino';

/** The object an Event is about. */
export interface InvolvedObject {
  apiVersion: string;
  kind: string;
  name: string;
  namespace: string;
  uid?: string;
  resourceVersion?: string;
}

/** Records Kubernetes Events; failures are logged, never thrown (an Event is best effort). */
export type EventRecorder = (obj: InvolvedObject, type: 'Normal' | 'Warning', reason: string, message: string) => Promise<void>;

/** Creates a recorder writing core/v1 Events as `snowtrail-operator`. */
export function createEventRecorder(core: CoreV1Api, logger: Logger, identity: string, now: () => Date = () => new Date()): EventRecorder {
  return async (obj, type, reason, message) => {
    const at = now();
    try {
      await core.createNamespacedEvent({
        namespace: obj.namespace,
        body: {
          metadata: { name: `${obj.name}.${randomBytes(8).toString('hex')}`, namespace: obj.namespace },
          involvedObject: obj,
          type,
          reason,
          message: message.slice(0, 1024),
          source: { component: 'snowtrail-operator' },
          reportingComponent: 'snowtrail.dev/operator',
          reportingInstance: identity,
          firstTimestamp: at,
          lastTimestamp: at,
          count: 1,
        },
      });
    } catch (err) {
      logger.warn({ err, reason, kind: obj.kind, namespace: obj.namespace, name: obj.name }, 'cannot record event');
    }
  };
}
