import { UsageError } from '../errors.js';

/**
 * `--cmd` as an argument list, split once here and spawned without a shell, so that no
 * field filled in later ({split}, whose path comes from $TMPDIR) can ever be parsed as
 * shell syntax. Two spellings:
 *
 * - a JSON array of strings: `["python3", "train.py", "{split}"]`, taken as it is;
 * - words, split as a POSIX shell splits them, and nothing more: blanks separate words;
 *   '...' is literal; "..." is literal except that \ escapes " \ $ and `; a \ outside
 *   quotes escapes the next character. What a shell would expand or interpret outside
 *   quotes (; & | < > ( ) $ ` * ? [ ] { } other than the fields, and a word starting with
 *   # or ~) is refused, naming the character: quote it to pass it through, or run
 *   `sh -c '... "$1" ...' sh {split}` to have a shell on purpose.
 *
 * Written by hand: shell-quote and friends also expand variables and globs, which is
 * exactly what this must not do.
 */
export function splitCommand(command: string, flag = '--cmd'): string[] {
  const trimmed = command.trim();
  if (trimmed === '') throw new UsageError(`${flag}: empty command`);
  if (trimmed.startsWith('[')) return jsonArgv(trimmed, flag);
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let i = 0;
  const refuse = (c: string, why: string): never => {
    throw new UsageError(`${flag}: ${why} at character ${i + 1} (${JSON.stringify(c)}): sparsebench runs the command without a shell; quote it, or write sh -c '...' sh {split}`);
  };
  while (i < command.length) {
    const c = command[i];
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
      i++;
    } else if (c === "'") {
      const end = command.indexOf("'", i + 1);
      if (end < 0) refuse(c, 'unterminated single quote');
      word += command.slice(i + 1, end);
      inWord = true;
      i = end + 1;
    } else if (c === '"') {
      let j = i + 1;
      for (; j < command.length && command[j] !== '"'; j++) {
        if (command[j] === '\\' && j + 1 < command.length && '"\\$`'.includes(command[j + 1])) word += command[++j];
        else if (command[j] === '$' || command[j] === '`') {
          i = j;
          refuse(command[j], 'expansion inside double quotes');
        } else word += command[j];
      }
      if (j >= command.length) refuse(c, 'unterminated double quote');
      inWord = true;
      i = j + 1;
    } else if (c === '\\') {
      if (i + 1 >= command.length) refuse(c, 'a trailing backslash');
      word += command[i + 1];
      inWord = true;
      i += 2;
    } else if (!inWord && (c === '#' || c === '~')) {
      refuse(c, c === '#' ? 'a comment' : 'a home-directory expansion');
    } else if (c === '{' && FIELD.test(command.slice(i))) {
      const field = (FIELD.exec(command.slice(i)) as RegExpExecArray)[0];
      word += field;
      inWord = true;
      i += field.length;
    } else if (';&|<>()$`*?[]{}'.includes(c)) {
      refuse(c, 'a shell operator or expansion');
    } else {
      word += c;
      inWord = true;
      i++;
    }
  }
  if (inWord) words.push(word);
  return words;
}

/** The fields filled into the arguments (see substitute). */
const FIELD = /^\{(split|epochs|seed|threads)\}/;

function jsonArgv(text: string, flag: string): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`${flag}: starts with [ but is not a JSON array (${(err as Error).message})`);
  }
  if (!Array.isArray(parsed) || parsed.length === 0 || !parsed.every((x) => typeof x === 'string')) {
    throw new UsageError(`${flag}: a JSON command must be a non-empty array of strings`);
  }
  if ((parsed[0] as string) === '') throw new UsageError(`${flag}: the program (first element) is empty`);
  return parsed as string[];
}

/** Fills {split}, {epochs}, {seed} and {threads} into each argument: each stays one argument, whatever the values hold. */
export function substitute(argv: readonly string[], fields: Readonly<Record<'split' | 'epochs' | 'seed' | 'threads', string>>): string[] {
  return argv.map((a) => a.replace(/\{(split|epochs|seed|threads)\}/g, (_, k: keyof typeof fields) => fields[k]));
}
