/**
 * The commander side of the install-options table (core/install-options.ts):
 * add a command's install options in their --help order, and turn commander's
 * parsed options back into InstallOptions.
 */
import { type Command, Option } from 'commander';
import { EMPTY_INSTALL_OPTIONS, type InstallCommand, type InstallOptionSpec, type InstallOptions, installOptionsFor } from '../core/install-options.js';
import { collect, positiveInt } from './options.js';

/** The commander option for one table entry, as `command` shows it. */
export function installOption(spec: InstallOptionSpec, command: InstallCommand): Option {
  const help = spec.helpFor?.[command] ?? spec.help;
  if (spec.kind === 'boolean') return new Option(spec.flag, help);
  const option = new Option(`${spec.flag} ${spec.value}`, help);
  if (spec.kind === 'list') option.argParser(collect);
  if (spec.kind === 'integer') option.argParser(positiveInt);
  return option;
}

/**
 * Add `command`'s install options to `cmd` in their --help order; `places`
 * limits them to those whose place is in [from, below), for a command that
 * shows its own options between them.
 */
export function addInstallOptions(cmd: Command, command: InstallCommand, places: { from?: number; below?: number } = {}): Command {
  for (const spec of installOptionsFor(command)) {
    const place = spec.commands[command] ?? 0;
    if (place < (places.from ?? -Infinity) || place >= (places.below ?? Infinity)) continue;
    cmd.addOption(installOption(spec, command));
  }
  return cmd;
}

/** The InstallOptions from commander's parsed options of a command that took `command`'s install options. */
export function installOptionsFromFlags(parsed: object, command: InstallCommand): InstallOptions {
  const opts = parsed as Record<string, unknown>; // commander's opts(): one property per option's attribute name
  const install: InstallOptions = { ...EMPTY_INSTALL_OPTIONS, tlsSan: [], nodeLabel: [], nodeTaint: [] };
  for (const spec of installOptionsFor(command)) {
    const option = installOption(spec, command);
    const value = opts[option.attributeName()];
    if (spec.kind === 'boolean') {
      // `--no-x` is commander's `x: false`; a plain boolean flag is `x: true`
      install[spec.field] = option.negate ? value === false : value === true;
    } else if (value === undefined) {
      continue;
    } else if (spec.kind === 'list') {
      install[spec.field] = value as string[]; // commander ran collect(): always a string array
    } else if (spec.kind === 'integer') {
      install[spec.field] = value as number; // commander ran positiveInt(): always a number
    } else {
      install[spec.field] = value as string;
    }
  }
  return install;
}
