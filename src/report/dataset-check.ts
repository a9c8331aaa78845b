/** One dataset as `datasets check` found it (its --json row). */
export interface DatasetCheck {
  readonly name: string;
  readonly ok: boolean;
  readonly problems: readonly string[];
  readonly samples?: number;
  readonly features?: number;
  /** Images per label: per class, or (detection) good then each defect kind, named by labels. */
  readonly counts?: readonly number[];
  readonly labels?: readonly string[];
  readonly groups?: readonly { readonly group: string; readonly images: number }[];
  readonly split?: readonly number[];
  readonly originalSizes?: readonly { readonly width: number; readonly height: number; readonly count: number }[];
  readonly skipped?: readonly { readonly file: string; readonly reason: string }[];
}

/** `datasets check` in words: one line a dataset, then its sizes and every file it leaves out. */
export function datasetCheckText(r: DatasetCheck): string {
  if (!r.ok) return [`${r.name}: FAILED`, ...(r.skipped ?? []).map((x) => `  would leave out (--skip-bad) ${x.file}: ${x.reason}`)].join('\n') + '\n';
  const perLabel = r.labels ? r.labels.map((l, i) => `${l} ${r.counts?.[i] ?? 0}`).join(', ') : `per class ${r.counts?.join('/')}`;
  const groups = r.groups && r.groups.length > 1 ? `; groups ${r.groups.map((g) => `${g.group} ${g.images}`).join(', ')}` : '';
  const lines = [`${r.name}: ok, ${r.samples} samples x ${r.features} features, ${perLabel}${groups}, default split ${r.split?.join('/')} (train/validation/test)`];
  if (r.originalSizes?.length) lines.push(`  original sizes: ${r.originalSizes.map((x) => `${x.width}x${x.height} (${x.count})`).join(', ')}`);
  if (r.skipped?.length) lines.push(`  left out as bad (--skip-bad), ${r.skipped.length}:`, ...r.skipped.map((x) => `    ${x.file}: ${x.reason}`));
  return lines.join('\n') + '\n';
}
