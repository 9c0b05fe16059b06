//! Numbers for people: thousands separators, sensible precision, units, tabular-friendly widths.

const int = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/** 3120 → "3,120" */
export function formatInt(n) {
  return Number.isFinite(n) ? int.format(Math.round(n)) : '–';
}

/** 0.974 → "97.4%" (a fraction in 0..1). */
export function formatPercent(fraction, digits = 1) {
  if (!Number.isFinite(fraction)) return '–';
  return `${(fraction * 100).toFixed(digits)}%`;
}

/** A loss or another positive real: 4 significant figures, no exponent unless it is tiny or huge. */
export function formatReal(x, significant = 4) {
  if (x === null || x === undefined || Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return '∞';
  if (x === -Infinity) return '−∞';
  if (x === 0) return '0';
  const abs = Math.abs(x);
  if (abs >= 1e6 || abs < 1e-4) return x.toExponential(2).replace('e+', 'e');
  const s = x.toPrecision(significant);
  return s.includes('e') ? Number(s).toString() : s.replace(/(\.\d*?)0+$/, '$1').replace(/\.$/, '');
}

/** A hyperparameter as typed by a person: 0.001, 1e-8, 0.9. */
export function formatSetting(x) {
  if (!Number.isFinite(x)) return String(x);
  if (x !== 0 && (Math.abs(x) < 1e-4 || Math.abs(x) >= 1e6)) return x.toExponential().replace('e+', 'e');
  return String(Number(x.toPrecision(6)));
}

/** 4_750_000 → "4.75 M" with the given unit: formatSI(4.75e6, 'FLOP') → "4.75 MFLOP". */
export function formatSI(x, unit = '') {
  if (!Number.isFinite(x)) return '–';
  const steps = [
    [1e12, 'T'], [1e9, 'G'], [1e6, 'M'], [1e3, 'k'],
  ];
  for (const [size, prefix] of steps) {
    if (Math.abs(x) >= size) return `${Number((x / size).toPrecision(3))} ${prefix}${unit}`;
  }
  return `${Math.round(x)} ${unit}`.trim();
}

/** Bytes: 1.2 MB, 340 KB (decimal units, as the engine's messages use). */
export function formatBytes(bytes) {
  if (!Number.isFinite(bytes)) return '–';
  if (bytes >= 1e9) return `${(bytes / 1e9).toFixed(1)} GB`;
  if (bytes >= 1e6) return `${(bytes / 1e6).toFixed(1)} MB`;
  return `${Math.max(1, Math.round(bytes / 1e3))} KB`;
}

/** Seconds → "0:41", "12:05", "1:02:03". */
export function formatDuration(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/** A shape {c,h,w} → "8×28×28", or "64" for a flat vector. */
export function formatDims(d) {
  if (!d) return '';
  if (d.h === 1 && d.w === 1) return String(d.c);
  return `${d.c}×${d.h}×${d.w}`;
}
