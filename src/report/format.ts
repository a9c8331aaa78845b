/** Number formatting for tables: fixed significant figures, no exponent for everyday sizes. */
export function sig(x: number, digits = 3): string {
  if (!Number.isFinite(x)) return String(x);
  if (x === 0) return '0';
  const a = Math.abs(x);
  if (a >= 1e-3 && a < 1e6) return Number(x.toPrecision(digits)).toString();
  return x.toExponential(digits - 1);
}

export function pct(x: number, digits = 3): string {
  return `${sig(x * 100, digits)}%`;
}

/** Text from a record (a trainer's stderr, a hand-edited file) as one inert line of Markdown: no newline, no HTML. */
export function mdText(s: string): string {
  // only what could open markup is escaped: a tag, comment or entity; "<= 0.01" stays readable
  return s
    .replace(/[\r\n]+/g, ' ')
    .replace(/&(?=[A-Za-z#][A-Za-z0-9]*;)/g, '&amp;')
    .replace(/<(?=[A-Za-z/!?])/g, '&lt;');
}

export function mdTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const esc = (s: string): string => mdText(s).replace(/\|/g, '\\|');
  return [
    `| ${header.map(esc).join(' | ')} |`,
    `| ${header.map(() => '---').join(' | ')} |`,
    ...rows.map((r) => `| ${r.map(esc).join(' | ')} |`),
  ].join('\n');
}
