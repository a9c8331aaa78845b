import { UsageError } from '../errors.js';

/**
 * The flag that sets each library parameter: the library's errors name parameters, the user
 * typed flags. One table, so a new option is mapped where it is declared.
 */
export const FLAG_OF: Readonly<Record<string, string>> = {
  seed: '--seed',
  threads: '--threads',
  repeats: '--repeats',
  epochs: '--epochs',
  suite: '--suite',
  dataset: '--dataset',
  datasets: '--dataset',
  runners: '--runner',
  shard: '--shard',
  resume: '--resume',
  sizes: '--train-size/--validation-size/--test-size',
  trainSize: '--train-size',
  validationSize: '--validation-size',
  testSize: '--test-size',
  command: '--cmd',
  'externals.name': '--external-name',
  externalTimeoutSeconds: '--external-timeout',
  resultsDir: '--results-dir',
  backend: '--backend',
  peer: '--peer',
  device: '--device',
  carbon: '--carbon',
  hours: '--hours',
  dictionary: '--dictionary',
  axes: '--train-size/--epochs/--set',
};

/**
 * A library error in the CLI's words: the leading parameter becomes its flag, and so does any
 * other parameter the message names whose name cannot be an ordinary word (camelCase or dotted).
 */
export function inFlags(err: UsageError): UsageError {
  let message = err.message;
  // an error carried through a record (a failed cell's reason) has lost its parameter: its first word names it
  const lead = err.parameter ?? Object.keys(FLAG_OF).find((p) => message.startsWith(`${p} `) || message.startsWith(`${p}:`));
  // a runner's own setting (lasso.alpha) is set by --set
  const flag = lead && (FLAG_OF[lead] ?? (/^[A-Za-z0-9][\w-]*\.[A-Za-z]\w*$/.test(lead) ? `--set ${lead}` : undefined));
  if (lead && flag && message.startsWith(lead)) message = flag + message.slice(lead.length);
  for (const [parameter, flag] of Object.entries(FLAG_OF)) {
    if (!/[A-Z.]/.test(parameter)) continue;
    message = message.replace(new RegExp(`(?<![\\w.-])${parameter.replace('.', '\\.')}(?![\\w])`, 'g'), flag);
  }
  return message === err.message ? err : new UsageError(message, err.parameter);
}

/** A library message read back as text (a failed cell's reason), in the CLI's words. */
export const flagText = (message: string): string => inFlags(new UsageError(message)).message;
