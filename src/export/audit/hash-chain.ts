// The lawful-access audit log's hash chain: each entry commits to the one before it, so a changed,
// removed or reordered entry breaks every hash after it. Pure: no storage, no clock.
// Hashing: entry_hash = hex(SHA-256(UTF-8(prev_hash ‖ canonical JSON of {seq, ts, kind, body}))).
// Spec for canonical JSON: https://spec.matrix.org/latest/appendices/#canonical-json

import { canonicalJson } from "../../protocol/json/canonical";
import type { JsonObject } from "../../protocol/events/pdu";

/** The prev_hash of entry 1. */
export const GENESIS_HASH = "0".repeat(64);

export interface AuditEntry {
	seq: number;
	ts: number;
	kind: string;
	body: JsonObject;
}

/** A stored row: the entry plus its links. body is the canonical JSON text. */
export type AuditRow = {
	seq: number;
	prev_hash: string;
	entry_hash: string;
	ts: number;
	kind: string;
	body: string;
};

const encoder = new TextEncoder();

function toHex(bytes: Uint8Array): string {
	return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** prev_hash is fixed-length hex, so plain concatenation is unambiguous. */
export async function computeEntryHash(prevHash: string, entry: AuditEntry): Promise<string> {
	const text = prevHash + canonicalJson({ seq: entry.seq, ts: entry.ts, kind: entry.kind, body: entry.body });
	return toHex(new Uint8Array(await crypto.subtle.digest("SHA-256", encoder.encode(text))));
}

/** Why a row does not continue the chain, or null if it does. */
export async function checkLink(prevHash: string, expectedSeq: number, row: AuditRow): Promise<string | null> {
	if (row.seq !== expectedSeq) return `expected seq ${expectedSeq}, found ${row.seq}`;
	if (row.prev_hash !== prevHash) return "prev_hash does not match the previous entry";
	let body: JsonObject;
	try {
		body = JSON.parse(row.body) as JsonObject;
	} catch {
		return "body is not JSON";
	}
	const recomputed = await computeEntryHash(prevHash, { seq: row.seq, ts: row.ts, kind: row.kind, body });
	return recomputed === row.entry_hash ? null : "entry_hash does not match the entry";
}
