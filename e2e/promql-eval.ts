/**
 * Just enough PromQL to check what the chart's alert expressions return for a given set of series:
 * instant vector selectors with `=`/`!=`/`=~` matchers, aggregations (`sum`, `max`, `min`, `count`,
 * optionally `by (...)`), comparisons against a number, `and`/`or`/`unless` (optionally `on (...)`)
 * and `absent()`. Parsing is Prometheus' own grammar (@prometheus-io/lezer-promql); anything this
 * evaluator does not know throws, so a test cannot pass on an expression it did not evaluate.
 * Range functions (`rate`, `increase`) are out of scope: those alerts are checked for syntax only.
 */
import type { SyntaxNode } from '@lezer/common';
import { parser } from '@prometheus-io/lezer-promql';

/** One series at evaluation time: its labels (with `__name__`) and value. */
export interface Sample {
  labels: Record<string, string>;
  value: number;
}

/** Parse errors of an expression (empty when Prometheus' grammar accepts it). */
export function promqlSyntaxErrors(expr: string): string[] {
  const errors: string[] = [];
  parser.parse(expr).iterate({
    enter(n) {
      if (n.type.isError) errors.push(`syntax error at ${n.from}: ${JSON.stringify(expr.slice(Math.max(0, n.from - 10), n.to + 10))}`);
    },
  });
  return errors;
}

/** Evaluates `expr` over `series` and returns the resulting instant vector. */
export function evaluatePromql(expr: string, series: readonly Sample[]): Sample[] {
  const errors = promqlSyntaxErrors(expr);
  if (errors.length) throw new Error(errors.join('; '));
  const top = parser.parse(expr).topNode.firstChild;
  if (!top) throw new Error('empty expression');
  const result = evaluate(top, expr, series);
  if (typeof result === 'number') throw new Error('expression is a scalar');
  return result;
}

type Value = Sample[] | number;

const text = (n: SyntaxNode, src: string): string => src.slice(n.from, n.to);
const children = (n: SyntaxNode): SyntaxNode[] => {
  const out: SyntaxNode[] = [];
  for (let c = n.firstChild; c; c = c.nextSibling) out.push(c);
  return out;
};
const key = (labels: Record<string, string>, names: readonly string[] | undefined): string =>
  JSON.stringify(
    Object.entries(labels)
      .filter(([k]) => k !== '__name__' && (names === undefined || names.includes(k)))
      .sort(([a], [b]) => a.localeCompare(b)),
  );

function evaluate(n: SyntaxNode, src: string, series: readonly Sample[]): Value {
  switch (n.name) {
    case 'NumberDurationLiteral':
    case 'NumberLiteral':
      return Number(text(n, src));
    case 'ParenExpr':
      return evaluate(children(n)[0]!, src, series);
    case 'VectorSelector':
      return select(n, src, series);
    case 'AggregateExpr':
      return aggregate(n, src, series);
    case 'FunctionCall':
      return call(n, src, series);
    case 'BinaryExpr':
      return binary(n, src, series);
    default:
      throw new Error(`unsupported PromQL node ${n.name}: ${text(n, src)}`);
  }
}

function select(n: SyntaxNode, src: string, series: readonly Sample[]): Sample[] {
  const name = text(n.getChild('Identifier')!, src);
  const matchers = (n.getChild('LabelMatchers') ? children(n.getChild('LabelMatchers')!) : []).map((m) => {
    const label = text(m.getChild('LabelName')!, src);
    const op = text(m.getChild('MatchOp')!, src);
    const value = JSON.parse(text(m.getChild('StringLiteral')!, src)) as string;
    return { label, op, value };
  });
  return series.filter((s) => {
    if (s.labels.__name__ !== name) return false;
    return matchers.every(({ label, op, value }) => {
      const actual = s.labels[label] ?? '';
      if (op === '=') return actual === value;
      if (op === '!=') return actual !== value;
      if (op === '=~') return new RegExp(`^(?:${value})$`).test(actual);
      if (op === '!~') return !new RegExp(`^(?:${value})$`).test(actual);
      throw new Error(`unsupported matcher ${op}`);
    });
  });
}

function groupingLabels(n: SyntaxNode | null, src: string): string[] | undefined {
  if (!n) return undefined;
  const grouping = n.getChild('GroupingLabels');
  return grouping ? grouping.getChildren('LabelName').map((l) => text(l, src)) : [];
}

function aggregate(n: SyntaxNode, src: string, series: readonly Sample[]): Sample[] {
  const op = text(n.getChild('AggregateOp')!, src);
  const modifier = n.getChild('AggregateModifier');
  if (modifier && !modifier.getChild('By')) throw new Error('only `by` is supported');
  const by = groupingLabels(modifier, src) ?? [];
  const body = n.getChild('FunctionCallBody')!;
  const input = evaluate(children(body)[0]!, src, series);
  if (typeof input === 'number') throw new Error(`${op} of a scalar`);
  const groups = new Map<string, Sample[]>();
  for (const s of input) groups.set(key(s.labels, by), [...(groups.get(key(s.labels, by)) ?? []), s]);
  return [...groups.values()].map((members) => {
    const values = members.map((m) => m.value);
    const labels = Object.fromEntries(by.filter((l) => members[0]!.labels[l] !== undefined).map((l) => [l, members[0]!.labels[l]!]));
    const reduce: Record<string, () => number> = {
      sum: () => values.reduce((a, b) => a + b, 0),
      max: () => Math.max(...values),
      min: () => Math.min(...values),
      count: () => values.length,
    };
    if (!reduce[op]) throw new Error(`unsupported aggregation ${op}`);
    return { labels, value: reduce[op]!() };
  });
}

function call(n: SyntaxNode, src: string, series: readonly Sample[]): Sample[] {
  const fn = text(n.getChild('FunctionIdentifier')!, src);
  if (fn !== 'absent') throw new Error(`unsupported function ${fn}`);
  const input = evaluate(children(n.getChild('FunctionCallBody')!)[0]!, src, series);
  if (typeof input === 'number') throw new Error('absent of a scalar');
  return input.length ? [] : [{ labels: {}, value: 1 }];
}

const COMPARE: Record<string, (a: number, b: number) => boolean> = {
  Gtr: (a, b) => a > b,
  Gte: (a, b) => a >= b,
  Lss: (a, b) => a < b,
  Lte: (a, b) => a <= b,
  EqlSingle: (a, b) => a === b,
  Neq: (a, b) => a !== b,
};

function binary(n: SyntaxNode, src: string, series: readonly Sample[]): Value {
  const parts = children(n);
  const [lhsNode, opNode] = parts;
  const rhsNode = parts[parts.length - 1]!;
  const matching = n.getChild('MatchingModifierClause');
  const on = matching?.getChild('On') ? groupingLabels(matching, src) : undefined;
  if (matching && !matching.getChild('On')) throw new Error('only `on (...)` matching is supported');
  if (parts.some((p) => p.name === 'Bool')) throw new Error('`bool` is not supported');
  const lhs = evaluate(lhsNode!, src, series);
  const rhs = evaluate(rhsNode, src, series);
  const op = opNode!.name;
  if (COMPARE[op]) {
    if (typeof lhs === 'number' || typeof rhs !== 'number') throw new Error('only vector-to-number comparisons are supported');
    return lhs.filter((s) => COMPARE[op]!(s.value, rhs));
  }
  if (typeof lhs === 'number' || typeof rhs === 'number') throw new Error(`${op} needs two vectors`);
  const rhsKeys = new Set(rhs.map((s) => key(s.labels, on)));
  if (op === 'And') return lhs.filter((s) => rhsKeys.has(key(s.labels, on)));
  if (op === 'Unless') return lhs.filter((s) => !rhsKeys.has(key(s.labels, on)));
  if (op === 'Or') {
    const lhsKeys = new Set(lhs.map((s) => key(s.labels, on)));
    return [...lhs, ...rhs.filter((s) => !lhsKeys.has(key(s.labels, on)))];
  }
  throw new Error(`unsupported binary operator ${op}`);
}
