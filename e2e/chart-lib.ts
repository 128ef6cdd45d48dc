/**
 * Static checks of the Helm chart that need no helm binary: which `.Values` paths templates read,
 * whether values files exist for them, Helm's value merge, and template block balance. Pure
 * functions over strings and plain objects; the test reads the files.
 */

/** A parsed YAML value. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const VALUES_REF = /\.Values((?:\.[A-Za-z_][A-Za-z0-9_]*)+)/g;

/** Every `.Values.a.b` path a template reads (also `$.Values…`), as dotted strings without the prefix. */
export function extractValuesPaths(template: string): string[] {
  const found = new Set<string>();
  for (const action of templateActions(template)) {
    for (const m of action.matchAll(VALUES_REF)) found.add(m[1]!.slice(1));
  }
  return [...found].sort();
}

/** The `{{ … }}` actions of a template, with raw-string literals (`{{` + "`…`" + `}}`) removed. */
export function templateActions(template: string): string[] {
  const actions: string[] = [];
  const re = /\{\{-?([\s\S]*?)-?\}\}/g;
  // Backtick raw strings in Helm templates carry Prometheus' own {{ $labels }} syntax, not Go template code.
  const withoutRaw = template.replace(/\{\{`[\s\S]*?`\}\}/g, '');
  for (const m of withoutRaw.matchAll(re)) actions.push(m[1]!.trim());
  return actions;
}

function isObject(v: Json | undefined): v is { [key: string]: Json } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Whether `path` (dotted) names a key that exists in `values`. */
export function hasValuesPath(values: Json, path: string): boolean {
  let cur: Json | undefined = values;
  for (const key of path.split('.')) {
    if (!isObject(cur) || !(key in cur)) return false;
    cur = cur[key];
  }
  return true;
}

/**
 * Every leaf path of a values tree: scalars, lists and empty maps are leaves (free-form maps such as
 * `podLabels: {}` are handed to templates whole).
 */
export function leafValuesPaths(values: Json, prefix = ''): string[] {
  if (!isObject(values) || Object.keys(values).length === 0) return prefix ? [prefix] : [];
  return Object.entries(values).flatMap(([k, v]) => leafValuesPaths(v, prefix ? `${prefix}.${k}` : k));
}

/**
 * Helm's coalesce of a user values file over the chart defaults: maps merge key by key, anything
 * else (including lists) replaces, and `null` deletes the key.
 */
export function coalesceValues(defaults: Json, overrides: Json): Json {
  if (!isObject(defaults) || !isObject(overrides)) return overrides;
  const out: { [key: string]: Json } = { ...defaults };
  for (const [k, v] of Object.entries(overrides)) {
    if (v === null) delete out[k];
    else out[k] = k in defaults ? coalesceValues(defaults[k]!, v) : v;
  }
  return out;
}

const OPENERS = /^(if|range|with|define|block)\b/;

/** Problems with a template's block structure: unbalanced `{{ if/range/with/define }}` … `{{ end }}` or braces. */
export function checkTemplateBlocks(template: string): string[] {
  const problems: string[] = [];
  const stripped = template.replace(/\{\{`[\s\S]*?`\}\}/g, '');
  const opens = (stripped.match(/\{\{/g) ?? []).length;
  const closes = (stripped.match(/\}\}/g) ?? []).length;
  if (opens !== closes) problems.push(`${opens} "{{" but ${closes} "}}"`);
  const stack: string[] = [];
  for (const action of templateActions(template)) {
    if (action.startsWith('/*')) continue;
    const opener = OPENERS.exec(action);
    if (opener) stack.push(opener[1]!);
    else if (/^end\b/.test(action)) {
      if (stack.pop() === undefined) problems.push('"end" without an open block');
    } else if (/^(else)\b/.test(action) && stack.length === 0) problems.push('"else" outside a block');
  }
  if (stack.length > 0) problems.push(`unclosed blocks: ${stack.join(', ')}`);
  return problems;
}

/** Metric names (`snowtrail_…`) referenced in PromQL or dashboard text, histogram series folded to their base name. */
export function extractMetricNames(text: string): string[] {
  const names = new Set<string>();
  for (const m of text.matchAll(/\bsnowtrail_[a-z0-9_]+/g)) {
    names.add(m[0].replace(/_(bucket|sum|count)$/, ''));
  }
  return [...names].sort();
}

/** GitHub's anchor for a Markdown heading: lower-case, punctuation dropped, spaces to dashes. */
export function headingAnchor(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

/**
 * The YAML skeleton of a template, for a syntax check without rendering: lines that hold only a
 * template action (control flow, `include … | nindent`) are dropped, Prometheus raw strings keep
 * their text, and every other action becomes the scalar `X`. Quoting mistakes in the static text
 * (a plain scalar starting with `{` or holding `: `) survive this and fail YAML parsing.
 */
export function yamlSkeleton(template: string): string {
  return template
    .split('\n')
    .filter((line) => !/^\s*\{\{-?[\s\S]*?-?\}\}\s*$/.test(line) || /\{\{`/.test(line))
    .map((line) => {
      // Raw strings are set aside first so that the Prometheus {{ }} inside them stays text.
      const raw: string[] = [];
      const held = line.replace(/\{\{`([\s\S]*?)`\}\}/g, (_m, text: string) => `\uE000${raw.push(text) - 1}\uE000`);
      return held.replace(/\{\{-?[\s\S]*?-?\}\}/g, 'X').replace(/\uE000(\d+)\uE000/g, (_m, i: string) => raw[Number(i)]!);
    })
    .join('\n');
}
