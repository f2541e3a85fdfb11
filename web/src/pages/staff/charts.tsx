// Small SVG charts for the doctor and admin dashboards: no chart library (the bundles stay small).
// Each chart is an image with a text summary for screen readers (role="img" + aria-label) and the
// same numbers in a table under a disclosure, so nothing is only visible as a shape.
import { useId } from 'react';
import { useI18n } from '../../i18n';

export interface Series {
  key: string;
  label: string;
  /** a CSS colour with at least 3:1 contrast against white */
  colour: string;
}

export interface ChartProps {
  title: string;
  /** one entry per bar group, left to right */
  labels: string[];
  series: Series[];
  /** values[s][i]: the value of series s at label i */
  values: number[][];
  format?: (n: number) => string;
  /** stacked bars (one bar per label) or grouped (a bar per series) */
  stacked?: boolean;
}

const W = 640;
const H = 240;
const PAD = { top: 12, right: 12, bottom: 44, left: 56 };

function niceMax(n: number): number {
  if (n <= 0) return 1;
  const pow = 10 ** Math.floor(Math.log10(n));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * pow >= n) return m * pow;
  return 10 * pow;
}

/** Vertical bars over labels (time buckets): grouped or stacked. */
export function BarChart({ title, labels, series, values, format = String, stacked = false }: ChartProps) {
  const { t } = useI18n();
  const id = useId();
  const totals = labels.map((_, i) => series.reduce((s, _x, k) => s + (values[k]?.[i] ?? 0), 0));
  const max = niceMax(stacked ? Math.max(0, ...totals) : Math.max(0, ...values.flat()));
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const band = labels.length ? plotW / labels.length : plotW;
  const barW = stacked ? band * 0.7 : (band * 0.8) / Math.max(1, series.length);
  const y = (v: number) => PAD.top + plotH - (v / max) * plotH;
  // at most ~8 axis labels, whatever the number of buckets
  const every = Math.max(1, Math.ceil(labels.length / 8));
  const summary = t('staff.chart.summary', {
    title,
    count: labels.length,
    total: format(series.reduce((s, _x, k) => s + (values[k] ?? []).reduce((a, b) => a + b, 0), 0)),
  });
  return (
    <figure className="chart">
      <figcaption id={`${id}-cap`} className="h3">
        {title}
      </figcaption>
      <Legend series={series} />
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={summary} preserveAspectRatio="xMidYMid meet">
        {[0, 0.5, 1].map((f) => (
          <g key={f}>
            <line x1={PAD.left} x2={W - PAD.right} y1={y(max * f)} y2={y(max * f)} className="grid" />
            <text x={PAD.left - 6} y={y(max * f) + 4} textAnchor="end" className="axis">
              {format(max * f)}
            </text>
          </g>
        ))}
        {labels.map((label, i) => {
          let base = 0;
          return (
            <g key={label + i}>
              {series.map((s, k) => {
                const v = values[k]?.[i] ?? 0;
                const x = stacked ? PAD.left + band * i + (band - barW) / 2 : PAD.left + band * i + band * 0.1 + barW * k;
                const top = stacked ? y(base + v) : y(v);
                const h = stacked ? y(base) - y(base + v) : y(0) - y(v);
                base += stacked ? v : 0;
                return (
                  <rect key={s.key} x={x} y={top} width={Math.max(1, barW - 1)} height={Math.max(0, h)} fill={s.colour}>
                    <title>{`${label} · ${s.label}: ${format(v)}`}</title>
                  </rect>
                );
              })}
              {i % every === 0 && (
                <text x={PAD.left + band * i + band / 2} y={H - PAD.bottom + 16} textAnchor="middle" className="axis">
                  {label}
                </text>
              )}
            </g>
          );
        })}
        <line x1={PAD.left} x2={W - PAD.right} y1={y(0)} y2={y(0)} className="baseline" />
      </svg>
      <DataTable caption={title} labels={labels} series={series} values={values} format={format} />
    </figure>
  );
}

/** Horizontal bars, one per category (status, speciality, doctor). */
export function HBarChart({ title, labels, values, format = String, colour = '#3f4ad8' }: { title: string; labels: string[]; values: number[]; format?: (n: number) => string; colour?: string }) {
  const { t } = useI18n();
  const max = niceMax(Math.max(0, ...values));
  const summary = t('staff.chart.summary', { title, count: labels.length, total: format(values.reduce((a, b) => a + b, 0)) });
  return (
    <figure className="chart">
      <figcaption className="h3">{title}</figcaption>
      {labels.length === 0 ? (
        <p className="muted">{t('staff.chart.empty')}</p>
      ) : (
        <div className="hbars" role="img" aria-label={summary}>
          {labels.map((label, i) => (
            <div key={label + i} className="hbar" aria-hidden="true">
              <span className="hbar-label">{label}</span>
              <span className="hbar-track">
                <svg viewBox="0 0 100 10" preserveAspectRatio="none" className="hbar-svg">
                  <rect x="0" y="0" height="10" width={(values[i] / max) * 100} fill={colour} />
                </svg>
              </span>
              <span className="hbar-value">{format(values[i])}</span>
            </div>
          ))}
        </div>
      )}
      <DataTable caption={title} labels={labels} series={[{ key: 'v', label: title, colour }]} values={[values]} format={format} />
    </figure>
  );
}

function Legend({ series }: { series: Series[] }) {
  if (series.length < 2) return null;
  return (
    <ul className="legend" aria-hidden="true">
      {series.map((s) => (
        <li key={s.key}>
          <span className="swatch">
            <svg width="12" height="12" viewBox="0 0 12 12">
              <rect width="12" height="12" fill={s.colour} />
            </svg>
          </span>
          {s.label}
        </li>
      ))}
    </ul>
  );
}

function DataTable({ caption, labels, series, values, format }: { caption: string; labels: string[]; series: Series[]; values: number[][]; format: (n: number) => string }) {
  const { t } = useI18n();
  if (labels.length === 0) return null;
  return (
    <details className="chart-data">
      <summary>{t('staff.chart.showData')}</summary>
      <div className="table-wrap">
        <table>
          <caption className="visually-hidden">{caption}</caption>
          <thead>
            <tr>
              <th scope="col">{t('staff.chart.label')}</th>
              {series.map((s) => (
                <th scope="col" key={s.key}>
                  {s.label}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {labels.map((l, i) => (
              <tr key={l + i}>
                <th scope="row">{l}</th>
                {series.map((s, k) => (
                  <td key={s.key}>{format(values[k]?.[i] ?? 0)}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </details>
  );
}
