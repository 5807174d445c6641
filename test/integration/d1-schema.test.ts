import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createAccount, getAccount, isOperator } from "../../src/worker/d1/accounts";

describe("D1 schema (0001_init)", () => {
	it("has every table and the membership index by room", async () => {
		const { results } = await env.DB.prepare("SELECT name, type FROM sqlite_master WHERE type IN ('table', 'index')").all<{
			name: string;
			type: string;
		}>();
		const names = results.map((r) => r.name);
		for (const t of ["accounts", "room_aliases", "room_directory", "user_directory", "room_memberships", "media",
			"remote_server_keys", "inbound_federation_txns", "registration_tokens"]) {
			expect(names).toContain(t);
		}
		expect(names).toContain("room_memberships_by_room");
	});

	it("enforces the keys and checks the code relies on", async () => {
		const insertMembership = (membership: string) =>
			env.DB.prepare("INSERT INTO room_memberships (user_id, room_id, membership, event_id, updated_ts) VALUES ('@a:x', '!r:x', ?1, '$e', 1)")
				.bind(membership)
				.run();
		await expect(insertMembership("dancing")).rejects.toThrow(/CHECK/);
		await insertMembership("join");
		await expect(insertMembership("leave")).rejects.toThrow(/UNIQUE|PRIMARY/);
		await env.DB.prepare("INSERT INTO inbound_federation_txns (origin, txn_id, received_ts, response) VALUES ('o', 't', 1, '{}')").run();
		await expect(
			env.DB.prepare("INSERT INTO inbound_federation_txns (origin, txn_id, received_ts, response) VALUES ('o', 't', 2, '{}')").run(),
		).rejects.toThrow(/UNIQUE|PRIMARY/);
	});
});

describe("accounts queries", () => {
	it("creates, reads and refuses a taken user ID or localpart", async () => {
		expect(await createAccount(env.DB, { user_id: "@carol:example.org", localpart: "carol", password_hash: "$argon2id$x", created_ts: 5 })).toBe(true);
		expect(await getAccount(env.DB, "@carol:example.org")).toEqual({
			user_id: "@carol:example.org",
			localpart: "carol",
			password_hash: "$argon2id$x",
			is_admin: false,
			is_operator: false,
			is_guest: false,
			deactivated: false,
			created_ts: 5,
		});
		expect(await createAccount(env.DB, { user_id: "@carol:example.org", localpart: "carol2", password_hash: null, created_ts: 6 })).toBe(false);
		expect(await createAccount(env.DB, { user_id: "@carol2:example.org", localpart: "carol", password_hash: null, created_ts: 6 })).toBe(false);
		expect(await getAccount(env.DB, "@nobody:example.org")).toBeNull();
	});

	it("knows operators, and not deactivated ones", async () => {
		await createAccount(env.DB, { user_id: "@op:example.org", localpart: "op", password_hash: null, is_operator: true, created_ts: 1 });
		expect(await isOperator(env.DB, "@op:example.org")).toBe(true);
		expect(await isOperator(env.DB, "@carol:example.org")).toBe(false);
		expect(await isOperator(env.DB, "@nobody:example.org")).toBe(false);
		await env.DB.prepare("UPDATE accounts SET deactivated = 1 WHERE user_id = '@op:example.org'").run();
		expect(await isOperator(env.DB, "@op:example.org")).toBe(false);
	});
});
