// UIA flow logic, the auth dictionary and user identifiers, and PBKDF2 password hashes.
import { describe, expect, it } from "vitest";
import { localpartOfIdentifier, parseAuthDict, parseUserIdentifier } from "../../../src/protocol/uia/auth-dict";
import { challengeBody, isComplete, isNextStage } from "../../../src/protocol/uia/flows";
import { hashPassword, verifyPassword } from "../../../src/protocol/uia/password-hash";
import { errcodeOf } from "../helpers/errcode";

const FLOWS = [["m.login.password"], ["m.login.registration_token", "m.login.dummy"]] as const;


describe("UIA flows", () => {
	it("builds the 401 body with flows as {stages}, params, session and completed", () => {
		expect(challengeBody(FLOWS, "sess", ["m.login.registration_token"])).toEqual({
			flows: [{ stages: ["m.login.password"] }, { stages: ["m.login.registration_token", "m.login.dummy"] }],
			params: {},
			session: "sess",
			completed: ["m.login.registration_token"],
		});
	});

	it("allows only the next stage of some flow, in order", () => {
		expect(isNextStage(FLOWS, [], "m.login.password")).toBe(true);
		expect(isNextStage(FLOWS, [], "m.login.registration_token")).toBe(true);
		expect(isNextStage(FLOWS, [], "m.login.dummy")).toBe(false);
		expect(isNextStage(FLOWS, ["m.login.registration_token"], "m.login.dummy")).toBe(true);
		expect(isNextStage(FLOWS, ["m.login.registration_token"], "m.login.password")).toBe(false);
		expect(isNextStage(FLOWS, [], "m.login.unknown")).toBe(false);
	});

	it("is complete only when every stage of one flow is done", () => {
		expect(isComplete(FLOWS, [])).toBe(false);
		expect(isComplete(FLOWS, ["m.login.password"])).toBe(true);
		expect(isComplete(FLOWS, ["m.login.registration_token"])).toBe(false);
		expect(isComplete(FLOWS, ["m.login.registration_token", "m.login.dummy"])).toBe(true);
		expect(isComplete(FLOWS, ["m.login.dummy", "m.login.registration_token"])).toBe(false);
	});
});

describe("auth dictionary and identifiers", () => {
	it("reads no auth, a session query and a stage attempt; rejects wrong types with M_BAD_JSON", () => {
		expect(parseAuthDict(undefined)).toBeUndefined();
		expect(parseAuthDict({ session: "s" })).toMatchObject({ type: undefined, session: "s" });
		expect(parseAuthDict({ type: "m.login.dummy" })).toMatchObject({ type: "m.login.dummy", session: undefined });
		for (const bad of ["x", [], { type: 1 }, { session: 2 }]) expect(errcodeOf(() => parseAuthDict(bad))).toBe("M_BAD_JSON");
	});

	it("reads m.id.user, the deprecated top-level user, and third-party identifiers", () => {
		expect(parseUserIdentifier({ identifier: { type: "m.id.user", user: "alice" } })).toEqual({ type: "m.id.user", user: "alice" });
		expect(parseUserIdentifier({ user: "@alice:hs" })).toEqual({ type: "m.id.user", user: "@alice:hs" });
		expect(parseUserIdentifier({ identifier: { type: "m.id.thirdparty", medium: "email", address: "a@b" } }).type).toBe("m.id.thirdparty");
		expect(parseUserIdentifier({ identifier: { type: "m.id.phone", country: "GB", phone: "1" } }).type).toBe("m.id.phone");
	});

	it("answers M_MISSING_PARAM, M_BAD_JSON and M_UNKNOWN for missing, malformed and unknown identifiers", () => {
		expect(errcodeOf(() => parseUserIdentifier({}))).toBe("M_MISSING_PARAM");
		expect(errcodeOf(() => parseUserIdentifier({ identifier: { type: "m.id.user" } }))).toBe("M_MISSING_PARAM");
		expect(errcodeOf(() => parseUserIdentifier({ user: 5 }))).toBe("M_BAD_JSON");
		expect(errcodeOf(() => parseUserIdentifier({ identifier: "alice" }))).toBe("M_BAD_JSON");
		expect(errcodeOf(() => parseUserIdentifier({ identifier: { type: "m.id.user", user: 1 } }))).toBe("M_BAD_JSON");
		expect(errcodeOf(() => parseUserIdentifier({ identifier: { type: "org.example.id" } }))).toBe("M_UNKNOWN");
	});

	it("maps a localpart or a full local user ID to a lower-case localpart, and refuses other servers", () => {
		expect(localpartOfIdentifier("Alice", "hs:8448")).toBe("alice");
		expect(localpartOfIdentifier("@alice:hs:8448", "hs:8448")).toBe("alice");
		expect(localpartOfIdentifier("@alice:other", "hs:8448")).toBeUndefined();
		expect(localpartOfIdentifier("@alice", "hs:8448")).toBeUndefined();
		expect(localpartOfIdentifier("", "hs:8448")).toBeUndefined();
	});
});

describe("password hashes", () => {
	const salt = new Uint8Array(16).fill(7);

	it("stores algorithm, iterations, salt and hash, and verifies only the right password", async () => {
		const stored = await hashPassword("correct horse", salt, 1000);
		expect(stored).toMatch(/^pbkdf2-sha256\$1000\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]{43}$/);
		expect(await verifyPassword("correct horse", stored)).toBe(true);
		expect(await verifyPassword("correct horsf", stored)).toBe(false);
		expect(await verifyPassword("", stored)).toBe(false);
	});

	it("salts: the same password under another salt gives another hash", async () => {
		expect(await hashPassword("pw", salt, 1000)).not.toBe(await hashPassword("pw", new Uint8Array(16).fill(8), 1000));
	});

	it("never matches an unreadable stored string", async () => {
		for (const bad of ["", "plain", "pbkdf2-sha256$0$AAAA$AAAA", "bcrypt$10$x$y", "pbkdf2-sha256$1000$!!$AAAA"]) {
			expect(await verifyPassword("pw", bad)).toBe(false);
		}
	});

	it("uses the default iteration count workerd allows", async () => {
		expect(await hashPassword("pw", salt)).toMatch(/^pbkdf2-sha256\$100000\$/);
	});

	it("refuses a short salt", async () => {
		await expect(hashPassword("pw", new Uint8Array(8))).rejects.toThrow();
	});
});
