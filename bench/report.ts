// The benchmark's outputs: the one table on stdout, bench/results/latest.json, and the fan-out
// chart (docs/fanout-p99.svg), drawn by hand from latest.json.
import type { Row } from "./lib/scenario.ts";

function num(v: number | null | undefined, unit: string): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return "–";
  if (unit === "ms") return `${v < 10 ? v.toFixed(2) : v < 100 ? v.toFixed(1) : v.toFixed(0)} ms`;
  if (unit === "KiB") return `${v.toFixed(1)} KiB`;
  const s = Math.abs(v) >= 100 ? Math.round(v).toLocaleString("en-US") : v.toFixed(v % 1 === 0 ? 0 : 1);
  return unit ? `${s} ${unit}` : s;
}

/** The table as Markdown: scenario, figure, value, baseline, ratio, target, met. */
export function formatTable(rows: Row[]): string {
  const lines = [
    "| scenario | figure | value | baseline | ratio | target | met |",
    "| --- | --- | ---: | --- | ---: | --- | :-: |",
  ];
  for (const r of rows) {
    const baseline = r.baseline ? `${r.baseline.name} ${num(r.baseline.value, r.unit)}` : "";
    const ratio = r.ratio === undefined ? "" : r.ratio === null ? "–" : `${r.ratio.toFixed(2)}x`;
    const met = r.met === undefined ? "" : r.met === null ? "?" : r.met ? "yes" : "NO";
    const value = r.note && (r.value === null || r.value === undefined) ? r.note : num(r.value, r.unit);
    lines.push(`| ${r.scenario} | ${r.figure} | ${value} | ${baseline} | ${ratio} | ${r.target ?? ""} | ${met} |`);
  }
  return lines.join("\n");
}

export interface Series {
  label: string;
  color: string;
  points: { n: number; p99: number }[];
}

/** A line chart of p99 latency (log scale) against subscribers, one line per series; plain SVG. */
export function fanoutChart(series: Series[], subtitle: string): string {
  const W = 720;
  const H = 420;
  const m = { l: 70, r: 170, t: 50, b: 60 };
  const all = series.flatMap((s) => s.points);
  const ns = [...new Set(all.map((p) => p.n))].sort((a, b) => a - b);
  const xMax = Math.max(...ns, 1);
  const yMin = Math.pow(10, Math.floor(Math.log10(Math.max(0.1, Math.min(...all.map((p) => p.p99))))));
  const yMax = Math.pow(10, Math.ceil(Math.log10(Math.max(1, ...all.map((p) => p.p99)))));
  const x = (n: number) => m.l + (n / xMax) * (W - m.l - m.r);
  const y = (v: number) =>
    H - m.b - ((Math.log10(v) - Math.log10(yMin)) / (Math.log10(yMax) - Math.log10(yMin))) * (H - m.t - m.b);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${m.l}" y="22" font-size="15" font-weight="bold">Fan-out: p99 publish-to-receive latency against subscribers</text>`,
    `<text x="${m.l}" y="38" fill="#555">${escape(subtitle)}</text>`,
  ];
  for (let d = yMin; d <= yMax; d *= 10) {
    for (const k of [1, 2, 5]) {
      const v = d * k;
      if (v > yMax) break;
      out.push(
        `<line x1="${m.l}" x2="${W - m.r}" y1="${y(v)}" y2="${y(v)}" stroke="${k === 1 ? "#ccc" : "#eee"}"/>`,
        `<text x="${m.l - 6}" y="${y(v) + 4}" text-anchor="end" fill="#555">${v >= 1 ? v.toLocaleString("en-US") : v.toFixed(1)}</text>`,
      );
    }
  }
  for (const n of [0, ...ns]) {
    out.push(
      `<line x1="${x(n)}" x2="${x(n)}" y1="${m.t}" y2="${H - m.b}" stroke="#eee"/>`,
      `<text x="${x(n)}" y="${H - m.b + 16}" text-anchor="middle" fill="#555">${n.toLocaleString("en-US")}</text>`,
    );
  }
  out.push(
    `<line x1="${m.l}" x2="${W - m.r}" y1="${H - m.b}" y2="${H - m.b}" stroke="#333"/>`,
    `<line x1="${m.l}" x2="${m.l}" y1="${m.t}" y2="${H - m.b}" stroke="#333"/>`,
    `<text x="${(m.l + W - m.r) / 2}" y="${H - 18}" text-anchor="middle">subscribers (one broadcast to all)</text>`,
    `<text transform="translate(18 ${(m.t + H - m.b) / 2}) rotate(-90)" text-anchor="middle">p99 latency, ms (log scale)</text>`,
  );
  series.forEach((s, i) => {
    const pts = [...s.points].sort((a, b) => a.n - b.n);
    const legendY = m.t + 10 + i * 22;
    out.push(
      `<line x1="${W - m.r + 15}" x2="${W - m.r + 40}" y1="${legendY}" y2="${legendY}" stroke="${s.color}" stroke-width="3"/>`,
      `<text x="${W - m.r + 46}" y="${legendY + 4}">${escape(s.label)}${pts.length ? "" : " (not measured)"}</text>`,
    );
    if (pts.length === 0) return;
    out.push(
      `<polyline fill="none" stroke="${s.color}" stroke-width="2.5" points="${pts.map((p) => `${x(p.n).toFixed(1)},${y(p.p99).toFixed(1)}`).join(" ")}"/>`,
      ...pts.map(
        (p) =>
          `<circle cx="${x(p.n).toFixed(1)}" cy="${y(p.p99).toFixed(1)}" r="4" fill="${s.color}"><title>${escape(s.label)}: ${p.p99.toFixed(1)} ms at ${p.n}</title></circle>`,
      ),
    );
  });
  out.push("</svg>", "");
  return out.join("\n");
}

const escape = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
