// The rules of Prometheus's own metrics linter (promtool check metrics), written out for the
// tests: promtool is a Go binary that cannot be installed here, and no maintained npm package
// implements them. They follow prometheus/client_golang prometheus/testutil/promlint, its
// DefaultValidations: lintHelp, lintMetricUnits, lintCounter, lintHistogramSummaryReserved,
// lintMetricTypeInName, lintReservedChars, lintCamelCase, lintUnitAbbreviations (help text
// present; base units; counters end in _total and nothing else does; _bucket/_count/_sum and the
// le/quantile labels only on histograms/summaries; no type name or ':' in a name; snake_case
// metric and label names; no abbreviated units), plus LintGauge (_timestamp_seconds only on
// gauges) and the text format's own rules (one HELP and TYPE per family, before its samples).

interface Family {
  name: string;
  type: string;
  help?: string;
  labels: Set<string>;
}

const baseUnits = new Map([
  ...['amperes', 'bytes', 'celsius', 'grams', 'joules', 'kelvin', 'meters', 'metres', 'seconds', 'volts'].map(
    (u) => [u, u] as const,
  ),
  ['minutes', 'seconds'],
  ['hours', 'seconds'],
  ['days', 'seconds'],
  ['weeks', 'seconds'],
  ['kelvins', 'kelvin'],
  ['fahrenheit', 'celsius'],
  ['rankine', 'celsius'],
  ['inches', 'meters'],
  ['yards', 'meters'],
  ['miles', 'meters'],
  ['bits', 'bytes'],
  ['calories', 'joules'],
  ['pounds', 'grams'],
  ['ounces', 'grams'],
]);
const prefixes = [
  'pico',
  'nano',
  'micro',
  'milli',
  'centi',
  'deci',
  'deca',
  'hecto',
  'kilo',
  'kibi',
  'mega',
  'mibi',
  'giga',
  'gibi',
  'tera',
  'tebi',
  'peta',
  'pebi',
];
const abbreviations = ['s', 'ms', 'us', 'ns', 'sec', 'b', 'kb', 'mb', 'gb', 'tb', 'pb', 'm', 'h', 'd'];
const types = ['counter', 'gauge', 'summary', 'histogram', 'gaugehistogram'];
const camelCase = /[a-z][A-Z]/;

function unitOf(name: string): { unit: string; base: string } | undefined {
  for (const part of name.split('_')) {
    const base = baseUnits.get(part);
    if (base) return { unit: part, base };
    for (const prefix of prefixes) {
      const rest = part.startsWith(prefix) ? baseUnits.get(part.slice(prefix.length)) : undefined;
      if (rest) return { unit: part, base: rest };
    }
  }
  return undefined;
}

function lintFamily(f: Family): string[] {
  const problems: string[] = [];
  const n = f.name;
  const lower = n.toLowerCase();
  if (f.help === undefined) problems.push('no help text');
  const unit = unitOf(n);
  if (unit && unit.unit !== unit.base)
    problems.push(`use base unit "${unit.base}" instead of "${unit.unit}"`);
  const untyped = f.type === 'untyped';
  if (f.type === 'counter' && !n.endsWith('_total'))
    problems.push('counter metrics should have "_total" suffix');
  if (!untyped && f.type !== 'counter' && n.endsWith('_total'))
    problems.push('non-counter metrics should not have "_total" suffix');
  if (!untyped) {
    const histogram = f.type === 'histogram';
    const summary = f.type === 'summary';
    if (!histogram && n.endsWith('_bucket'))
      problems.push('non-histogram metrics should not have "_bucket" suffix');
    for (const suffix of ['_count', '_sum']) {
      if (!histogram && !summary && n.endsWith(suffix))
        problems.push(`non-histogram and non-summary metrics should not have "${suffix}" suffix`);
    }
    if (!histogram && f.labels.has('le')) problems.push('non-histogram metrics should not have "le" label');
    if (!summary && f.labels.has('quantile'))
      problems.push('non-summary metrics should not have "quantile" label');
    if (f.type !== 'gauge' && n.endsWith('_timestamp_seconds'))
      problems.push('non-gauge metrics should not have "_timestamp_seconds" suffix');
  }
  for (const t of types) {
    if (lower.includes(`_${t}_`) || lower.endsWith(`_${t}`))
      problems.push(`metric name should not include type '${t}'`);
  }
  if (n.includes(':')) problems.push("metric names should not contain ':'");
  if (camelCase.test(n)) problems.push("metric names should be written in 'snake_case' not 'camelCase'");
  for (const label of f.labels) {
    if (camelCase.test(label))
      problems.push(`label names should be written in 'snake_case' not 'camelCase' (${label})`);
  }
  for (const a of abbreviations) {
    if (lower.includes(`_${a}_`) || lower.endsWith(`_${a}`))
      problems.push('metric names should not contain abbreviated units');
  }
  return problems.map((p) => `${n}: ${p}`);
}

/** The family a sample belongs to (`x_bucket` of histogram `x`). */
function familyOf(sample: string, families: Map<string, Family>): Family | undefined {
  const exact = families.get(sample);
  if (exact) return exact;
  for (const suffix of ['_bucket', '_count', '_sum', '_created']) {
    const family = sample.endsWith(suffix) ? families.get(sample.slice(0, -suffix.length)) : undefined;
    if (family && ['histogram', 'summary'].includes(family.type)) return family;
  }
  return undefined;
}

/** Lints a Prometheus text exposition like `promtool check metrics`; returns the problems found. */
export function promlint(text: string): string[] {
  const families = new Map<string, Family>();
  const problems: string[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const meta = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) ?(.*)$/.exec(line);
    if (meta) {
      const [, kind, name = '', rest = ''] = meta;
      const family = families.get(name) ?? { name, type: 'untyped', labels: new Set<string>() };
      families.set(name, family);
      if (kind === 'HELP') {
        if (family.help !== undefined) problems.push(`${name}: second HELP line`);
        family.help = rest;
      } else {
        if (!types.includes(rest) && rest !== 'untyped') problems.push(`${name}: unknown type ${rest}`);
        family.type = rest;
      }
      continue;
    }
    if (line.startsWith('#')) continue;
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)( \d+)?$/.exec(line);
    if (!sample) {
      problems.push(`not a valid sample line: ${line}`);
      continue;
    }
    const [, name = '', labels = '', value = ''] = sample;
    // Go's ParseFloat, which promtool uses, takes NaN and Inf in any case.
    if (Number.isNaN(Number(value)) && !/^[+-]?(nan|inf)$/i.test(value))
      problems.push(`${name}: bad value ${value}`);
    const family = familyOf(name, families);
    if (!family) {
      problems.push(`${name}: sample without a HELP/TYPE of its family`);
      continue;
    }
    for (const [, label = ''] of labels.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="(?:[^"\\]|\\.)*"/g))
      family.labels.add(label);
  }
  for (const family of families.values()) problems.push(...lintFamily(family));
  return problems;
}
