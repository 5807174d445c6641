// Shared by the lawful CLI commands: the user-mistake error and a small flag parser.
// See scripts/lawful.mjs for how commands are discovered.

/** A user mistake: the dispatcher prints the message (no stack) and exits with `exitCode`. */
export class CliError extends Error {
	constructor(message, exitCode = 1) {
		super(message);
		this.name = "CliError";
		this.exitCode = exitCode;
	}
}

/**
 * Parses `--name value` and `--flag` options. `spec` maps option names to "value", "values" (repeatable,
 * collected into an array) or "flag". Unknown options are a CliError. Returns { positional, options }.
 */
export function parseOptions(argv, spec) {
	const positional = [];
	const options = {};
	for (let i = 0; i < argv.length; i++) {
		const arg = argv[i];
		if (!arg.startsWith("--")) {
			positional.push(arg);
			continue;
		}
		const eq = arg.indexOf("=");
		const name = arg.slice(2, eq < 0 ? undefined : eq);
		const kind = spec[name];
		if (kind === undefined) throw new CliError(`unknown option --${name}`, 2);
		if (kind === "flag") {
			options[name] = true;
			continue;
		}
		let value;
		if (eq >= 0) value = arg.slice(eq + 1);
		else {
			if (i + 1 >= argv.length) throw new CliError(`--${name} needs a value`, 2);
			value = argv[++i];
		}
		if (kind === "values") (options[name] ??= []).push(value);
		else options[name] = value;
	}
	return { positional, options };
}
