import { describe, expect, it } from "vitest";
import { parsePusherRequest } from "../../../src/protocol/push/pusher";
import { errcodeOf } from "../helpers/errcode";

const HTTP = {
	kind: "http",
	app_id: "com.example.app.ios",
	pushkey: "APA91bHPRgkF3JUikC4ENAHEeMrd41Zxv3hVZjC9KtT8OvPVGJ",
	app_display_name: "Mat Rix",
	device_display_name: "iPhone 9",
	lang: "en",
	data: { url: "https://push.example.org/_matrix/push/v1/notify", format: "event_id_only" },
};


describe("parsePusherRequest", () => {
	it("accepts the spec's example and defaults append to false", () => {
		const req = parsePusherRequest({ ...HTTP, profile_tag: "xxyyzz" });
		expect(req).toEqual({ action: "set", append: false, pusher: { ...HTTP, profile_tag: "xxyyzz" } });
	});

	it("reads kind null as a deletion that needs only app_id and pushkey", () => {
		expect(parsePusherRequest({ kind: null, app_id: "a", pushkey: "k" })).toEqual({ action: "delete", app_id: "a", pushkey: "k" });
	});

	it("names missing parameters with M_MISSING_PARAM", () => {
		expect(errcodeOf(() => parsePusherRequest({ app_id: "a", pushkey: "k" }))).toBe("M_MISSING_PARAM");
		const { lang: _lang, ...noLang } = HTTP;
		expect(errcodeOf(() => parsePusherRequest(noLang))).toBe("M_MISSING_PARAM");
		expect(errcodeOf(() => parsePusherRequest({ ...HTTP, data: {} }))).toBe("M_MISSING_PARAM");
	});

	it("refuses wrong types, limits and gateway URLs", () => {
		expect(errcodeOf(() => parsePusherRequest({ ...HTTP, kind: 3 }))).toBe("M_BAD_JSON");
		expect(errcodeOf(() => parsePusherRequest({ ...HTTP, data: "x" }))).toBe("M_BAD_JSON");
		expect(errcodeOf(() => parsePusherRequest({ ...HTTP, append: "yes" }))).toBe("M_BAD_JSON");
		expect(errcodeOf(() => parsePusherRequest({ ...HTTP, pushkey: "k".repeat(513) }))).toBe("M_INVALID_PARAM");
		expect(errcodeOf(() => parsePusherRequest({ ...HTTP, app_id: "a".repeat(65) }))).toBe("M_INVALID_PARAM");
		expect(errcodeOf(() => parsePusherRequest({ ...HTTP, kind: "carrier_pigeon" }))).toBe("M_INVALID_PARAM");
		expect(errcodeOf(() => parsePusherRequest({ ...HTTP, data: { url: "http://push.example.org/_matrix/push/v1/notify" } }))).toBe("M_INVALID_PARAM");
		expect(errcodeOf(() => parsePusherRequest({ ...HTTP, data: { url: "https://push.example.org/notify" } }))).toBe("M_INVALID_PARAM");
	});
});
