import { describe, expect, it } from 'vitest';
import { UsageError } from '../src/errors.js';
import { shellQuote } from '../src/runners/external.js';
import { splitCommand, substitute } from '../src/runners/argv.js';

describe('--cmd as an argument list (no shell)', () => {
  it('splits words as a POSIX shell does: blanks, single and double quotes, backslashes', () => {
    expect(splitCommand('python3  train.py {split}\t--epochs {epochs}')).toEqual(['python3', 'train.py', '{split}', '--epochs', '{epochs}']);
    expect(splitCommand(`sh -c 'echo "$1"; exit 3' sh {split}`)).toEqual(['sh', '-c', 'echo "$1"; exit 3', 'sh', '{split}']);
    expect(splitCommand('a "b c" d\\ e "x\\"y\\\\z" \'\'')).toEqual(['a', 'b c', 'd e', 'x"y\\z', '']);
    expect(splitCommand('--data={split}/X.f64 "{seed}"')).toEqual(['--data={split}/X.f64', '{seed}']);
    expect(splitCommand('["python3", "my script.py", "{split}"]')).toEqual(['python3', 'my script.py', '{split}']);
  });

  it('shellQuote words come back whole, whatever they hold', () => {
    for (const w of ['/usr/bin/python3', "/tmp/a b/it's;x", '$(touch x)', '`id`', '']) expect(splitCommand(`${shellQuote(w)} {split}`)).toEqual([w, '{split}']);
  });

  it('refuses what a shell would interpret, naming the character, and bad JSON', () => {
    for (const [cmd, what] of [
      ['train {split}; rm -rf ~', /a shell operator or expansion at character 14 \(";"\)/],
      ['train {split} > log', /\(">"\)/],
      ['train {split} | tee', /\("\|"\)/],
      ['train $HOME {split}', /\("\$"\)/],
      ['train "$HOME" {split}', /expansion inside double quotes/],
      ['train `id` {split}', /\("`"\)/],
      ['train *.py {split}', /\("\*"\)/],
      ['train {split} # comment', /a comment/],
      ['train ~/x {split}', /home-directory/],
      ['train {bogus} {split}', /\("\{"\)/],
      ["train 'open {split}", /unterminated single quote/],
      ['train "open {split}', /unterminated double quote/],
      ['train {split} \\', /trailing backslash/],
      ['   ', /empty command/],
      ['["a", 1]', /non-empty array of strings/],
      ['[nope', /not a JSON array/],
    ] as const) {
      expect(() => splitCommand(cmd), cmd).toThrow(UsageError);
      expect(() => splitCommand(cmd), cmd).toThrow(what);
    }
  });

  it('fills the fields into single arguments: a value with blanks, quotes or ; stays one argument', () => {
    const odd = "/tmp/tmp dir 'x;touch INJECTED/sparsebench-split-1";
    expect(substitute(splitCommand('t --in={split} {epochs} {seed} {threads}'), { split: odd, epochs: '3', seed: '42', threads: '2' })).toEqual(['t', `--in=${odd}`, '3', '42', '2']);
  });
});
