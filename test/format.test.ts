import { describe, expect, it } from 'vitest';
import { mdTable, mdText } from '../src/report/format.js';

describe('Markdown from record text', () => {
  it('escapes what could open markup (tags, comments, entities), collapses newlines, and leaves comparisons readable', () => {
    expect(mdText('x\n<img src=y onerror=alert(1)>')).toBe('x &lt;img src=y onerror=alert(1)>');
    expect(mdText('<!-- hidden --> </b>')).toBe('&lt;!-- hidden --> &lt;/b>');
    expect(mdText('&lt; stays text; a & b')).toBe('&amp;lt; stays text; a & b');
    expect(mdText('drop <= 0.01, ratio < 5x, 3 > 2')).toBe('drop <= 0.01, ratio < 5x, 3 > 2');
    // a table cell cannot end its row early either
    expect(mdTable(['a'], [['x | y\nz']])).toBe('| a |\n| --- |\n| x \\| y z |');
  });
});
