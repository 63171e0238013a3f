/**
 * Charts for the governance dashboard, drawn as SVG by the page (no library,
 * nothing loaded from elsewhere). Every mark carries its number in
 * `data-value` and a `<title>`, so what is drawn can be read and checked.
 */

const SVG = 'http://www.w3.org/2000/svg';

type SvgAttrs = Record<string, string | number>;

function svg<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attrs: SvgAttrs = {},
  ...children: (SVGElement | string)[]
): SVGElementTagNameMap[K] {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  for (const c of children) el.append(c);
  return el;
}

const title = (text: string): SVGTitleElement => svg('title', {}, text);

/** One horizontal bar per label, longest first as given. */
export function barChart(
  label: string,
  bars: readonly { readonly label: string; readonly value: number; readonly key: string }[],
  measure: string,
): SVGSVGElement {
  const rowHeight = 22;
  const labelWidth = 300;
  const barWidth = 320;
  const width = labelWidth + barWidth + 50;
  const height = Math.max(1, bars.length) * rowHeight + 8;
  const max = Math.max(1, ...bars.map((b) => b.value));
  const chart = svg('svg', {
    width,
    height,
    viewBox: `0 0 ${width} ${height}`,
    role: 'img',
    'aria-label': label,
    'data-chart': measure,
  });
  chart.append(title(label));
  bars.forEach((b, i) => {
    const y = 4 + i * rowHeight;
    const w = Math.round((b.value / max) * barWidth);
    chart.append(
      svg(
        'text',
        { x: labelWidth - 6, y: y + 14, 'text-anchor': 'end' },
        b.label.length > 46 ? `${b.label.slice(0, 45)}…` : b.label,
        title(b.label),
      ),
      svg(
        'rect',
        {
          x: labelWidth,
          y: y + 3,
          width: Math.max(w, b.value > 0 ? 2 : 0),
          height: rowHeight - 8,
          class: measure,
          fill: 'currentColor',
          'data-key': b.key,
          'data-measure': measure,
          'data-value': b.value,
        },
        title(`${b.label}: ${b.value}`),
      ),
      svg('text', { x: labelWidth + w + 6, y: y + 14 }, String(b.value)),
    );
  });
  return chart;
}

/** One line per measure over the weeks, a dot per week with its count. */
export function weeklyChart(
  label: string,
  weeks: readonly string[],
  series: readonly { readonly measure: string; readonly values: readonly number[] }[],
): SVGSVGElement {
  const width = 640;
  const height = 200;
  const left = 36;
  const bottom = 28;
  const top = 10;
  const plotW = width - left - 30;
  const plotH = height - top - bottom;
  const max = Math.max(1, ...series.flatMap((s) => s.values));
  const x = (i: number): number => left + (weeks.length <= 1 ? plotW / 2 : (i * plotW) / (weeks.length - 1));
  const y = (v: number): number => top + plotH - (v / max) * plotH;
  const chart = svg('svg', {
    width,
    height,
    viewBox: `0 0 ${width} ${height}`,
    role: 'img',
    'aria-label': label,
    'data-chart': 'weekly',
  });
  chart.append(
    title(label),
    svg('line', { x1: left, y1: top + plotH, x2: left + plotW, y2: top + plotH, class: 'axis' }),
    svg('line', { x1: left, y1: top, x2: left, y2: top + plotH, class: 'axis' }),
    svg('text', { x: left - 4, y: top + 8, 'text-anchor': 'end' }, String(max)),
    svg('text', { x: left - 4, y: top + plotH, 'text-anchor': 'end' }, '0'),
  );
  const step = Math.max(1, Math.ceil(weeks.length / 8));
  weeks.forEach((w, i) => {
    if (i % step === 0)
      chart.append(svg('text', { x: x(i), y: height - 8, 'text-anchor': 'middle' }, w.slice(5)));
  });
  for (const s of series) {
    const group = svg('g', { class: s.measure, fill: 'currentColor', 'data-series': s.measure });
    group.append(
      svg('polyline', {
        points: s.values.map((v, i) => `${x(i)},${y(v)}`).join(' '),
        fill: 'none',
        stroke: 'currentColor',
        'stroke-width': 2,
      }),
    );
    s.values.forEach((v, i) => {
      const week = weeks[i] ?? '';
      group.append(
        svg(
          'circle',
          { cx: x(i), cy: y(v), r: 3, 'data-week': week, 'data-measure': s.measure, 'data-value': v },
          title(`week of ${week}: ${v} ${s.measure}`),
        ),
      );
    });
    chart.append(group);
  }
  return chart;
}
