// Every Client-Server endpoint the spec defines (the list in test/fixtures, taken from matrix-spec's OpenAPI
// files) is routed, except the ones docs/client-server.md "What is not served" names with a reason: asked
// with made-up parameters and no token, a routed endpoint answers anything but 404/405 M_UNRECOGNIZED (most
// answer 401 M_MISSING_TOKEN). A new gap, or a listed one that got served, fails here until the doc says so.
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import spec from "../fixtures/spec-client-server-endpoints.json";

/** docs/client-server.md "What is not served". */
const NOT_SERVED = [
	"GET /.well-known/matrix/policy_server",
	"GET /_matrix/client/v1/auth_metadata",
	"POST /_matrix/client/v1/appservice/{appserviceId}/ping",
	"POST /_matrix/client/v1/login/get_token",
	"GET /_matrix/client/v3/events/{eventId}",
	"GET /_matrix/client/v3/initialSync",
	"GET /_matrix/client/v3/login/sso/redirect",
	"GET /_matrix/client/v3/login/sso/redirect/{idpId}",
	"PUT /_matrix/client/v3/directory/list/appservice/{networkId}/{roomId}",
].sort();

const SAMPLE: Record<string, string> = {
	roomId: "!abc:localhost",
	roomIdOrAlias: "!abc:localhost",
	roomAlias: "#a:localhost",
	userId: "@someone:localhost",
	eventId: "$abc",
	eventType: "m.room.message",
	stateKey: "",
	txnId: "t1",
	serverName: "localhost",
	mediaId: "abc",
	filterId: "1",
	deviceId: "DEV",
	version: "1",
	kind: "global",
	scope: "global",
	ruleId: "r",
	tag: "t",
	type: "m.x",
	receiptType: "m.read",
	relType: "m.thread",
	loginType: "m.login.password",
};

function concrete(path: string): string {
	return path.replace(/\{(\w+)\}/g, (_m, name: string) => encodeURIComponent(SAMPLE[name] ?? "x"));
}

describe("the spec's Client-Server endpoints", () => {
	it("are read from the fixture", () => {
		expect(spec.endpoints.length).toBeGreaterThan(150);
	});

	it("are all routed, except the ones documented as not served", async () => {
		const unrouted: string[] = [];
		for (const e of spec.endpoints) {
			const hasBody = e.method === "PUT" || e.method === "POST";
			const res = await exports.default.fetch(`http://localhost${concrete(e.path)}`, {
				method: e.method,
				headers: hasBody ? { "content-type": "application/json" } : {},
				body: hasBody ? "{}" : undefined,
			});
			const body = await res.text();
			if ((res.status === 404 || res.status === 405) && body.includes("M_UNRECOGNIZED")) unrouted.push(`${e.method} ${e.path}`);
		}
		expect(unrouted.sort()).toEqual(NOT_SERVED);
	});
});
