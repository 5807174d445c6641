#!/usr/bin/env node
// `npm run lawful -- <command>`: the lawful-access CLI (LAWFUL_ACCESS.md "API", CLIs; docs/lawful-access.md).
// A dispatcher only: every command is its own module `scripts/lawful/<name>.mjs` exporting
//   command  the words that select it, e.g. "order sign"
//   summary  one line for the command list
//   help     the full usage text ("--help" after the command)
//   run(argv) the work, given the arguments after the command words; throws CliError for user mistakes
// Modules are discovered, so parts add commands without editing this file. Helpers live in scripts/lawful/lib/.
import { readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = join(dirname(fileURLToPath(import.meta.url)), "lawful");

async function loadCommands() {
	const files = readdirSync(here).filter((f) => f.endsWith(".mjs")).sort();
	const commands = [];
	for (const file of files) {
		const mod = await import(pathToFileURL(join(here, file)).href);
		if (typeof mod.command !== "string" || typeof mod.run !== "function") continue;
		commands.push({ words: mod.command.split(" "), summary: mod.summary ?? "", help: mod.help ?? mod.command, run: mod.run });
	}
	return commands;
}

function usage(commands) {
	const width = Math.max(0, ...commands.map((c) => c.words.join(" ").length));
	const lines = commands.map((c) => `  ${c.words.join(" ").padEnd(width)}  ${c.summary}`);
	return `Usage: npm run lawful -- <command> [options]\n\nLawful-access tools: sign and submit orders, manage the trust store, verify packages and the audit log.\n\nCommands:\n${lines.join("\n")}\n\nRun "npm run lawful -- <command> --help" for one command.`;
}

async function main() {
	const argv = process.argv.slice(2);
	const commands = await loadCommands();
	if (argv.length === 0 || argv[0] === "--help" || argv[0] === "-h" || argv[0] === "help") {
		console.log(usage(commands));
		return;
	}
	// The longest command whose words prefix argv ("trust import" before a hypothetical "trust").
	const match = commands
		.filter((c) => c.words.every((w, i) => argv[i] === w))
		.sort((a, b) => b.words.length - a.words.length)[0];
	if (!match) {
		console.error(`unknown command: ${argv.join(" ")}\n\n${usage(commands)}`);
		process.exit(2);
	}
	const rest = argv.slice(match.words.length);
	if (rest.includes("--help") || rest.includes("-h")) {
		console.log(`Usage: npm run lawful -- ${match.help}`);
		return;
	}
	try {
		await match.run(rest);
	} catch (e) {
		// CliError (name "CliError") is a user mistake: print it plainly. Anything else is a bug: show the stack.
		if (e instanceof Error && e.name === "CliError") {
			console.error(e.message);
			process.exit(typeof e.exitCode === "number" ? e.exitCode : 1);
		}
		throw e;
	}
}

await main();
