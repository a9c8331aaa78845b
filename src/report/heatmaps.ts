import { inflateSync } from 'node:zlib';
import type { ResultEntry } from '../results/schema.js';

type Heatmaps = NonNullable<ResultEntry['heatmaps']>;

/** "hot" colour map: black, red, yellow, white as the byte goes 0 -> 255. */
function hot(v: number): [number, number, number] {
  const t = v / 255;
  return [Math.round(255 * Math.min(1, 3 * t)), Math.round(255 * Math.min(1, Math.max(0, 3 * t - 1))), Math.round(255 * Math.max(0, 3 * t - 2))];
}

/** One cell as a base64 PNG, encoded by sharp (loaded here, not at start-up: see renderers in plots.ts). */
async function cellPng(bytes: Uint8Array, width: number, height: number, colour: (v: number) => [number, number, number]): Promise<string> {
  const rgb = new Uint8Array(width * height * 3);
  for (let p = 0; p < bytes.length; p++) rgb.set(colour(bytes[p]), p * 3);
  const { default: sharp } = await import('sharp');
  return (await sharp(rgb, { raw: { width, height, channels: 3 } }).png().toBuffer()).toString('base64');
}

const escapeXml = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * A grid of test images: the image, its true defect mask, then each detector's heat map
 * (same images for every detector: the split and the choice are seeded). SVG with the
 * cells embedded as PNG, and a PNG rendering of it.
 */
export async function heatmapFigure(dataset: string, detectors: readonly { runner: string; heatmaps: Heatmaps }[]): Promise<{ svg: string; png: Buffer } | undefined> {
  const first = detectors[0]?.heatmaps;
  if (!first || first.items.length === 0) return undefined;
  const { width, height } = first;
  const scale = 2;
  const [cw, ch, gap, left, top] = [width * scale, height * scale, 8, 150, 40];
  const columns = ['image', 'true defect mask', ...detectors.map((d) => `${d.runner} heat`)];
  const W = left + columns.length * (cw + gap) + 60; // room for the last column's title
  const H = top + first.items.length * (ch + gap) + 40;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="DejaVu Sans" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${left}" y="16" font-size="14">${escapeXml(`${dataset}: test images and each detector's anomaly heat map`)}</text>`,
    ...columns.map((c, i) => `<text x="${left + i * (cw + gap)}" y="${top - 6}">${escapeXml(c)}</text>`),
  ];
  const decode = (b64: string, encoding = first.encoding): Uint8Array => {
    const raw = Buffer.from(b64, 'base64');
    return new Uint8Array(encoding === 'deflate' ? inflateSync(raw) : raw);
  };
  for (const [row, item] of first.items.entries()) {
    const y = top + row * (ch + gap);
    parts.push(`<text x="8" y="${y + ch / 2}">${escapeXml(`${item.group}, ${item.kind === 'none' ? 'defect-free' : item.kind}`)}</text>`);
    const cells = await Promise.all([
      cellPng(decode(item.image), width, height, (v) => [v, v, v]),
      cellPng(decode(item.mask), width, height, (v) => [v, v, v]),
      ...detectors.map((d) => {
        const same = d.heatmaps.items.find((x) => x.testIndex === item.testIndex);
        return same ? cellPng(decode(same.heat, d.heatmaps.encoding), width, height, hot) : undefined;
      }),
    ]);
    cells.forEach((png, i) => {
      if (png) parts.push(`<image x="${left + i * (cw + gap)}" y="${y}" width="${cw}" height="${ch}" style="image-rendering:pixelated" href="data:image/png;base64,${png}"/>`);
    });
  }
  parts.push(
    `<text x="8" y="${H - 24}" font-size="11">${escapeXml(`Heat: ${first.scale};`)}</text>`,
    `<text x="8" y="${H - 10}" font-size="11">black = low, red-yellow-white = high.</text>`,
    '</svg>',
  );
  const svg = parts.join('\n');
  // loaded here, not at start-up (see renderers in plots.ts)
  const { Resvg } = await import('@resvg/resvg-js');
  const png = new Resvg(svg, { font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' } }).render().asPng();
  return { svg, png };
}
