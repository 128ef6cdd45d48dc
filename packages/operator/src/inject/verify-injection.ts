import { SIDECAR_CONTAINER, VOLUMES } from '../constants.js';
import type { Pod, Volume } from './pod-types.js';
import { INJECTED_VOLUME_NAMES, describeContainer, placedContainers, type PlacedContainer } from './pod-guard.js';
import { appEnv, appTokenMount, sidecarContainer, sidecarVolumes, type SidecarShape } from './sidecar-container.js';

/**
 * Recognises an injected pod by recomputing what the injection writes and comparing, never by a
 * name or an annotation the pod can set on its own: a pod that carries a container named like the
 * sidecar, or a volume named like the injection's, is injected only when those are exactly what
 * the injection would write for this policy.
 */

// The API server fills these in when the pod is decoded (e.g. a probe's successThreshold, a
// fieldRef's apiVersion, a configMap volume's defaultMode), before any webhook sees it, so a pod
// injected earlier comes back with them; none of them widens what a container can reach.
const DEFAULTED_FIELDS = new Set(['terminationMessagePath', 'successThreshold', 'apiVersion', 'defaultMode', 'protocol', 'scheme']);

// The API server re-encodes resource quantities in canonical form ("1024Mi" comes back as "1Gi",
// "0.5" as "500m"), so quantities are compared by value.
const QUANTITY_PATH = /\.(requests|limits)\.[^.[\]]+$|\.sizeLimit$/;
const QUANTITY = /^([+-]?(?:\d+(?:\.\d*)?|\.\d+))(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E))?$/;
const SUFFIX: Record<string, number> = {
  Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
  n: 1e-9, u: 1e-6, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
};

/** The value of a Kubernetes quantity string, or undefined when it is not one. */
export function quantityValue(text: string): number | undefined {
  const m = QUANTITY.exec(text);
  if (!m) return undefined;
  return Number(m[1]) * (m[2] ? 10 ** Number(m[2].slice(1)) : m[3] ? SUFFIX[m[3]]! : 1);
}

function sameQuantity(a: unknown, b: unknown): boolean {
  if (typeof a !== 'string' || typeof b !== 'string') return false;
  const x = quantityValue(a);
  const y = quantityValue(b);
  return x !== undefined && y !== undefined && Math.abs(x - y) <= Math.abs(y) * 1e-12;
}

type Json = unknown;
const isObject = (v: Json): v is Record<string, Json> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Where `actual` differs from what the injection wrote (`expected`): every written field must be
 * equal, lists must have the same length, and extra fields are allowed only where the API server
 * adds defaults. Paths in the result are relative to `path`.
 */
export function injectedDifferences(actual: Json, expected: Json, path: string): string[] {
  if (actual === undefined) return [`${path} is missing`];
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual) || actual.length !== expected.length) return [`${path} differs`];
    return expected.flatMap((e, i) => injectedDifferences(actual[i], e, `${path}[${i}]`));
  }
  if (isObject(expected)) {
    if (!isObject(actual)) return [`${path} differs`];
    const out: string[] = [];
    for (const [k, v] of Object.entries(expected)) {
      if (v === undefined) continue;
      out.push(...injectedDifferences(actual[k], v, `${path}.${k}`));
    }
    for (const k of Object.keys(actual)) {
      if (!(k in expected) && !DEFAULTED_FIELDS.has(k) && actual[k] !== undefined) out.push(`${path}.${k} was not written by the injection`);
    }
    return out;
  }
  if (actual === expected || (QUANTITY_PATH.test(path) && sameQuantity(actual, expected))) return [];
  return [`${path} differs`];
}

/** What a pod carries that looks like an injection: containers named like the sidecar, volumes named like the injection's. */
export interface InjectionTraces {
  sidecars: PlacedContainer[];
  volumes: Volume[];
}

/** The traces of an injection in a pod, or undefined when it has none. */
export function injectionTraces(pod: Pod): InjectionTraces | undefined {
  const sidecars = placedContainers(pod).filter((p) => p.container.name === SIDECAR_CONTAINER);
  const volumes = (pod.spec?.volumes ?? []).filter((v) => INJECTED_VOLUME_NAMES.includes(v.name));
  return sidecars.length === 0 && volumes.length === 0 ? undefined : { sidecars, volumes };
}

/** The differences between a pod's traces and what the injection writes for `shape`; empty when the pod is exactly injected. */
export function verifyInjection(pod: Pod, traces: InjectionTraces, shape: SidecarShape): string[] {
  const out: string[] = [];
  const wantList = shape.nativeSidecar ? 'initContainers' : 'containers';
  if (traces.sidecars.length !== 1) out.push(`${traces.sidecars.length} containers are named ${SIDECAR_CONTAINER}, the injection writes one`);
  const sidecar = traces.sidecars[0];
  if (sidecar) {
    if (sidecar.list !== wantList) out.push(`${describeContainer(sidecar)} is not where the injection puts it (${wantList})`);
    else out.push(...injectedDifferences(sidecar.container, sidecarContainer(shape), `${sidecar.list}[${sidecar.index}]`));
  }
  const expectedVolumes = sidecarVolumes(shape);
  for (const v of traces.volumes) {
    const want = expectedVolumes.find((e) => e.name === v.name);
    if (!want) out.push(`volume ${v.name} is not one the injection writes for this policy`);
  }
  for (const want of expectedVolumes) {
    const got = traces.volumes.filter((v) => v.name === want.name);
    if (got.length !== 1) out.push(`volume ${want.name} appears ${got.length} times, the injection writes it once`);
    else out.push(...injectedDifferences(got[0], want, `volumes[${want.name}]`));
  }
  const env = appEnv(shape);
  const tokenMount = appTokenMount();
  for (const p of placedContainers(pod)) {
    const isApp = p.list === 'containers' || (p.list === 'initContainers' && shape.nativeSidecar);
    if (!isApp || p.container.name === SIDECAR_CONTAINER) continue;
    for (const e of env) {
      const got = (p.container.env ?? []).filter((x) => x.name === e.name);
      if (got.length !== 1) out.push(`${describeContainer(p)} sets ${e.name} ${got.length} times, the injection sets it once`);
      else out.push(...injectedDifferences(got[0], e, `${describeContainer(p)} env ${e.name}`));
    }
    const mounts = (p.container.volumeMounts ?? []).filter((m) => m.name === VOLUMES.token);
    if (mounts.length !== 1) out.push(`${describeContainer(p)} mounts ${VOLUMES.token} ${mounts.length} times, the injection mounts it once`);
    else out.push(...injectedDifferences(mounts[0], tokenMount, `${describeContainer(p)} mount ${VOLUMES.token}`));
  }
  return out;
}
