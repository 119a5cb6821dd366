// The one output format of every bench script, and the table `npm run bench` prints.
//
// A bench script run with `--json` prints one JSON document on stdout (progress goes to stderr) with
// at least these fields, next to whatever else it reports:
//   { bench: "data-path", table: Row[], skipped?: "why" }
// Row = { bench, metric, unit: "ratio" | "ms" | "s" | "us" | "rps" | "count", samples: number[] (one per run), target?: Target }
// Target = { op: "<=" | ">=", value: number }: the verdict is taken on the median of the samples.
// `skipped` (with table: []) means the bench could not run here (no Docker engine, no wrk ...): not a failure.
// The runner (bench/run.mjs) passes `--runs N` (and `--rounds N`, BENCH_RUNS=N) and reads `table`.

/** @typedef {{op: '<=' | '>=', value: number}} Target */
/** @typedef {{bench: string, metric: string, unit: 'ratio'|'ms'|'s'|'us'|'rps'|'count', samples: number[], target?: Target}} Row */

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** min / median / max of a row's samples, and whether the median meets the target (null: no target). */
export function summarize(row) {
  const samples = row.samples.filter((x) => Number.isFinite(x));
  if (!samples.length) return { min: NaN, median: NaN, max: NaN, n: 0, pass: row.target ? false : null };
  const med = median(samples);
  const pass = row.target ? (row.target.op === '<=' ? med <= row.target.value : med >= row.target.value) : null;
  return { min: Math.min(...samples), median: med, max: Math.max(...samples), n: samples.length, pass };
}

function formatValue(value, unit) {
  if (!Number.isFinite(value)) return '-';
  if (unit === 'ratio') return `${value.toFixed(2)}x`;
  if (unit === 's') return `${value.toFixed(2)} s`;
  if (unit === 'us') return `${value.toFixed(0)} µs`;
  if (unit === 'rps') return `${value.toFixed(0)} req/s`;
  if (unit === 'count') return value.toFixed(Number.isInteger(value) ? 0 : 1);
  return `${value.toFixed(Math.abs(value) < 10 ? 2 : 1)} ms`;
}

function formatTarget(target, unit) {
  return target ? `${target.op} ${formatValue(target.value, unit)}` : '';
}

/** One aligned text table of every row: metric, target, min, median, max, runs, verdict. */
export function renderTable(rows) {
  const header = ['bench', 'metric', 'target', 'min', 'median', 'max', 'runs', 'verdict'];
  const lines = rows.map((row) => {
    const s = summarize(row);
    const verdict = s.pass === null ? '' : s.pass ? 'ok' : 'MISSED';
    return [row.bench, row.metric, formatTarget(row.target, row.unit), formatValue(s.min, row.unit), formatValue(s.median, row.unit), formatValue(s.max, row.unit), String(s.n), verdict];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const numeric = new Set([3, 4, 5, 6]);
  const fmt = (cells) => cells.map((c, i) => (numeric.has(i) ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd();
  return [fmt(header), widths.map((w) => '-'.repeat(w)).join('  '), ...lines.map(fmt)].join('\n');
}

/** The same table in Markdown, for BENCHMARKS.md. */
export function renderMarkdown(rows) {
  const out = ['| bench | metric | target | min | median | max | runs | verdict |', '|---|---|---|--:|--:|--:|--:|---|'];
  for (const row of rows) {
    const s = summarize(row);
    const verdict = s.pass === null ? '' : s.pass ? 'ok' : '**missed**';
    out.push(`| ${row.bench} | ${row.metric} | ${formatTarget(row.target, row.unit)} | ${formatValue(s.min, row.unit)} | ${formatValue(s.median, row.unit)} | ${formatValue(s.max, row.unit)} | ${s.n} | ${verdict} |`);
  }
  return out.join('\n');
}

/** Parse `--name value` / `--flag` from argv. */
export function argValue(args, name, fallback) {
  const i = args.indexOf(name);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : fallback;
}
