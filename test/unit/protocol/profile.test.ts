import { describe, expect, it } from "vitest";
import { checkProfileKey, checkProfileSize, memberContentWithProfile, profileValueFromBody } from "../../../src/protocol/profile/profile-field";
import { errcodeOf } from "../helpers/errcode";


describe("profile keys and values", () => {
	it("accepts the spec's keys and namespaced custom keys only", () => {
		for (const ok of ["displayname", "avatar_url", "m.tz", "org.example.x", "io.a_b.c9"]) expect(errcodeOf(() => checkProfileKey(ok))).toBeUndefined();
		for (const bad of ["Displayname", "custom", "org..x", ".org.x", "org.Example", "m.tz.x.Y"]) expect(errcodeOf(() => checkProfileKey(bad))).toBe("M_INVALID_PARAM");
		expect(errcodeOf(() => checkProfileKey(`org.${"a".repeat(252)}`))).toBe("M_KEY_TOO_LARGE");
	});

	it("types displayname, m.tz and avatar_url; custom keys take any JSON", () => {
		expect(profileValueFromBody("displayname", { displayname: "A" })).toBe("A");
		expect(profileValueFromBody("avatar_url", { avatar_url: "mxc://example.org/abc" })).toBe("mxc://example.org/abc");
		expect(profileValueFromBody("avatar_url", { avatar_url: "" })).toBe("");
		expect(profileValueFromBody("org.example.x", { "org.example.x": [1, { a: null }] })).toEqual([1, { a: null }]);
		expect(errcodeOf(() => profileValueFromBody("displayname", {}))).toBe("M_MISSING_PARAM");
		expect(errcodeOf(() => profileValueFromBody("displayname", { displayname: null }))).toBe("M_INVALID_PARAM");
		expect(errcodeOf(() => profileValueFromBody("avatar_url", { avatar_url: "mxc://example.org/../x" }))).toBe("M_INVALID_PARAM");
		expect(errcodeOf(() => profileValueFromBody("m.tz", { "m.tz": 1 }))).toBe("M_INVALID_PARAM");
	});

	it("keeps the whole profile under 64 KiB", () => {
		expect(errcodeOf(() => checkProfileSize({ a: "x".repeat(40_000) }, "b", "y".repeat(20_000)))).toBeUndefined();
		expect(errcodeOf(() => checkProfileSize({ a: "x".repeat(40_000) }, "b", "y".repeat(30_000)))).toBe("M_PROFILE_TOO_LARGE");
		// Replacing a field counts its new size only.
		expect(errcodeOf(() => checkProfileSize({ a: "x".repeat(60_000) }, "a", "small"))).toBeUndefined();
	});
});

describe("member content with a profile", () => {
	it("replaces displayname and avatar, keeps other keys, drops join_authorised_via_users_server", () => {
		const current = { membership: "join", displayname: "Old", avatar_url: "mxc://a/b", join_authorised_via_users_server: "@x:y", reason: "hi" };
		expect(memberContentWithProfile(current, { displayname: "New" })).toEqual({ membership: "join", displayname: "New", reason: "hi" });
		expect(memberContentWithProfile(current, { displayname: "", avatar_url: "mxc://c/d" })).toEqual({ membership: "join", avatar_url: "mxc://c/d", reason: "hi" });
	});
});
