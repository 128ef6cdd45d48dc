import { randomUUID } from 'node:crypto';
import jsonPatch from 'fast-json-patch';

/** A Kubernetes object as the simulated API server stores it. */
export type KubeObject = {
  apiVersion?: string;
  kind?: string;
  metadata: { name?: string; namespace?: string; uid?: string; resourceVersion?: string; generation?: number; generateName?: string; labels?: Record<string, string>; ownerReferences?: { uid: string }[]; creationTimestamp?: string; [k: string]: unknown };
  [key: string]: unknown;
};

/** One resource type the simulator serves. */
export interface ResourceType {
  group: string; // '' for core
  version: string;
  plural: string;
  kind: string;
  namespaced: boolean;
  /** Status is a subresource: writes to the main resource ignore it, /status writes only it; spec changes bump generation. */
  statusSubresource?: boolean;
}

/** A change, as a watch stream sends it. */
export interface WatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  object: KubeObject;
  rv: number;
  resource: string;
}

/** An error the REST layer turns into a Status answer. */
export class StoreError extends Error {
  constructor(readonly code: number, readonly reason: string, message: string) {
    super(message);
  }
}

const clone = <T>(v: T): T => structuredClone(v);

/** RFC 7386 JSON merge patch. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return clone(patch);
  const out: Record<string, unknown> = target && typeof target === 'object' && !Array.isArray(target) ? { ...(target as Record<string, unknown>) } : {};
  for (const [k, v] of Object.entries(patch as Record<string, unknown>)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

// Strategic merge patch, reduced to what the operator's callers send: maps merge, lists of objects
// with a `name` (or `type` for conditions) merge by that key, other lists are replaced.
function strategicMerge(target: unknown, patch: unknown): unknown {
  if (Array.isArray(patch) && Array.isArray(target)) {
    const key = patch.every((p) => p && typeof p === 'object' && 'name' in p) ? 'name' : patch.every((p) => p && typeof p === 'object' && 'type' in p) ? 'type' : undefined;
    if (!key) return clone(patch);
    const out = target.map((t) => clone(t) as Record<string, unknown>);
    for (const p of patch as Record<string, unknown>[]) {
      const i = out.findIndex((t) => t[key] === p[key]);
      if (i >= 0) out[i] = strategicMerge(out[i], p) as Record<string, unknown>;
      else out.push(clone(p));
    }
    return out;
  }
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return clone(patch);
  const out: Record<string, unknown> = target && typeof target === 'object' && !Array.isArray(target) ? { ...(target as Record<string, unknown>) } : {};
  for (const [k, v] of Object.entries(patch as Record<string, unknown>)) {
    if (v === null) delete out[k];
    else out[k] = strategicMerge(out[k], v);
  }
  return out;
}

/** Applies a PATCH body by its content type, as the API server does. */
export function applyPatchBody(current: KubeObject, contentType: string, body: unknown): KubeObject {
  const type = contentType.split(';')[0]!.trim();
  if (type === 'application/json-patch+json') {
    try {
      return jsonPatch.applyPatch(clone(current), body as jsonPatch.Operation[], true, false).newDocument;
    } catch (err) {
      throw new StoreError(422, 'Invalid', `json patch failed: ${(err as Error).message}`);
    }
  }
  if (type === 'application/merge-patch+json') return mergePatch(current, body) as KubeObject;
  if (type === 'application/strategic-merge-patch+json') return strategicMerge(current, body) as KubeObject;
  throw new StoreError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json (got ${type})`);
}

/**
 * The object store behind the simulated API server: one global resourceVersion like etcd's
 * revision, a bounded change history for watch resumption (older → 410 Gone), generation and
 * status-subresource semantics, and ownerReference garbage collection on delete.
 */
export class KubeStore {
  private rev = 1;
  private readonly objects = new Map<string, KubeObject>();
  private history: WatchEvent[] = [];
  private oldestRev = 1;
  private readonly listeners = new Set<(e: WatchEvent) => void>();

  constructor(private readonly historyLimit = 10_000) {}

  /** Current resourceVersion. */
  get resourceVersion(): number {
    return this.rev;
  }

  /** Drops the change history so any watch resuming from an older resourceVersion gets 410 Gone. */
  compact(): void {
    this.history = [];
    this.oldestRev = this.rev + 1;
  }

  private key(res: ResourceType, ns: string | undefined, name: string): string {
    return `${res.group}/${res.plural}/${res.namespaced ? ns ?? '' : ''}/${name}`;
  }

  private emit(type: WatchEvent['type'], res: ResourceType, object: KubeObject): void {
    const e: WatchEvent = { type, object: clone(object), rv: this.rev, resource: `${res.group}/${res.plural}` };
    this.history.push(e);
    if (this.history.length > this.historyLimit) {
      this.history.shift();
      this.oldestRev = this.history[0]!.rv;
    }
    for (const l of this.listeners) l(e);
  }

  /** Subscribes to every change; returns the unsubscribe function. */
  subscribe(listener: (e: WatchEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Changes after `rv` for a resource, or 'gone' when the history no longer reaches back that far. */
  since(rv: number, resource: string): WatchEvent[] | 'gone' {
    if (rv + 1 < this.oldestRev) return 'gone';
    return this.history.filter((e) => e.rv > rv && e.resource === resource);
  }

  get(res: ResourceType, ns: string | undefined, name: string): KubeObject | undefined {
    const o = this.objects.get(this.key(res, ns, name));
    return o && clone(o);
  }

  list(res: ResourceType, ns?: string, labelSelector?: string): KubeObject[] {
    const prefix = `${res.group}/${res.plural}/`;
    const match = compileLabelSelector(labelSelector);
    const out: KubeObject[] = [];
    for (const [k, o] of this.objects) {
      if (!k.startsWith(prefix)) continue;
      if (ns && o.metadata.namespace !== ns) continue;
      if (!match(o.metadata.labels ?? {})) continue;
      out.push(clone(o));
    }
    return out;
  }

  create(res: ResourceType, ns: string | undefined, body: KubeObject): KubeObject {
    const obj = clone(body);
    obj.metadata = { ...(obj.metadata ?? {}) };
    if (!obj.metadata.name && obj.metadata.generateName) obj.metadata.name = `${obj.metadata.generateName}${randomUUID().slice(0, 5)}`;
    const name = obj.metadata.name;
    if (!name) throw new StoreError(422, 'Invalid', 'metadata.name: Required value');
    if (res.namespaced) obj.metadata.namespace = ns;
    const k = this.key(res, ns, name);
    if (this.objects.has(k)) throw new StoreError(409, 'AlreadyExists', `${res.plural} "${name}" already exists`);
    obj.apiVersion = res.group ? `${res.group}/${res.version}` : res.version;
    obj.kind = res.kind;
    this.rev += 1;
    obj.metadata.uid = randomUUID();
    obj.metadata.resourceVersion = String(this.rev);
    obj.metadata.creationTimestamp = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    if (res.statusSubresource) {
      obj.metadata.generation = 1;
      delete obj.status;
    }
    this.objects.set(k, obj);
    this.emit('ADDED', res, obj);
    return clone(obj);
  }

  /** Replaces an object (main resource or its status), enforcing optimistic concurrency. */
  update(res: ResourceType, ns: string | undefined, name: string, body: KubeObject, subresource?: 'status'): KubeObject {
    const k = this.key(res, ns, name);
    const cur = this.objects.get(k);
    if (!cur) throw new StoreError(404, 'NotFound', `${res.plural} "${name}" not found`);
    const sentRv = body.metadata?.resourceVersion;
    if (sentRv && sentRv !== cur.metadata.resourceVersion) {
      throw new StoreError(409, 'Conflict', `Operation cannot be fulfilled on ${res.plural} "${name}": the object has been modified; please apply your changes to the latest version and try again`);
    }
    let next: KubeObject;
    if (subresource === 'status') {
      next = { ...clone(cur), status: clone(body.status) };
    } else {
      next = clone(body);
      next.metadata = { ...clone(cur.metadata), ...clone(body.metadata), uid: cur.metadata.uid, creationTimestamp: cur.metadata.creationTimestamp, namespace: cur.metadata.namespace, name };
      next.apiVersion = cur.apiVersion;
      next.kind = cur.kind;
      if (res.statusSubresource) {
        next.status = clone(cur.status);
        if (JSON.stringify(cur.spec) !== JSON.stringify(next.spec)) next.metadata.generation = (cur.metadata.generation ?? 1) + 1;
        else next.metadata.generation = cur.metadata.generation;
      }
    }
    next.metadata.resourceVersion = cur.metadata.resourceVersion;
    if (JSON.stringify(next) === JSON.stringify(cur)) return clone(cur);
    this.rev += 1;
    next.metadata.resourceVersion = String(this.rev);
    this.objects.set(k, next);
    this.emit('MODIFIED', res, next);
    return clone(next);
  }

  /** Deletes an object and, like the garbage collector, every object it owns. */
  delete(res: ResourceType, ns: string | undefined, name: string, all: readonly ResourceType[]): KubeObject {
    const k = this.key(res, ns, name);
    const cur = this.objects.get(k);
    if (!cur) throw new StoreError(404, 'NotFound', `${res.plural} "${name}" not found`);
    this.objects.delete(k);
    this.rev += 1;
    const gone = { ...cur, metadata: { ...cur.metadata, resourceVersion: String(this.rev) } };
    this.emit('DELETED', res, gone);
    for (const r of all) {
      for (const o of this.list(r)) {
        if (o.metadata.ownerReferences?.some((ref) => ref.uid === cur.metadata.uid)) this.delete(r, o.metadata.namespace, o.metadata.name!, all);
      }
    }
    return gone;
  }
}

/** Compiles the equality-based label selector subset (`a=b,c!=d,e,!f`). */
export function compileLabelSelector(selector: string | undefined): (labels: Record<string, string>) => boolean {
  if (!selector) return () => true;
  const terms = selector.split(',').map((t) => t.trim()).filter(Boolean).map((t) => {
    let m: RegExpExecArray | null;
    if ((m = /^([^!=]+)!=(.*)$/.exec(t))) return (l: Record<string, string>) => l[m![1]!] !== m![2];
    if ((m = /^([^!=]+)==?(.*)$/.exec(t))) return (l: Record<string, string>) => l[m![1]!] === m![2];
    if (t.startsWith('!')) return (l: Record<string, string>) => !(t.slice(1) in l);
    return (l: Record<string, string>) => t in l;
  });
  return (labels) => terms.every((f) => f(labels));
}
