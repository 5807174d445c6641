// Serving E2EE keys and simple queries to a signed remote server; unsigned requests are refused.
// Spec: https://spec.matrix.org/latest/server-server-api/#end-to-end-encryption, #querying-for-information
import { env, exports } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { call, device, deviceKeys, ed25519Key, oneTimeKeys, type TestDevice } from "./e2ee-helpers";
import { fed, type RemoteServer, remoteServer, seedKeys } from "./federation-inbound-helpers";

let remote: RemoteServer;
let dan: TestDevice;

beforeAll(async () => {
	remote = await remoteServer("query-remote.example", 43);
	await seedKeys([remote]);
	dan = await device("qdan", "DANDEV");
	const key = await ed25519Key();
	await call(dan, "POST", "/v3/keys/upload", { device_keys: await deviceKeys(dan, key), one_time_keys: oneTimeKeys("Q", 1) });
});

describe("serving keys", () => {
	it("/user/keys/query returns the device keys", async () => {
		const res = await fed(remote, "POST", "/_matrix/federation/v1/user/keys/query", { device_keys: { [dan.userId]: [] } });
		expect(res.status).toBe(200);
		expect(Object.keys((res.body.device_keys as Record<string, object>)[dan.userId]!)).toEqual(["DANDEV"]);
	});

	it("/user/keys/claim hands out a one-time key once", async () => {
		const body = { one_time_keys: { [dan.userId]: { DANDEV: "signed_curve25519" } } };
		const first = await fed(remote, "POST", "/_matrix/federation/v1/user/keys/claim", body);
		expect(Object.keys((first.body.one_time_keys as Record<string, Record<string, object>>)[dan.userId]!.DANDEV!)).toEqual(["signed_curve25519:Q0"]);
		const second = await fed(remote, "POST", "/_matrix/federation/v1/user/keys/claim", body);
		expect(second.body.one_time_keys).toEqual({});
	});

	it("/user/devices lists the user's devices with a stream_id", async () => {
		const res = await fed(remote, "GET", `/_matrix/federation/v1/user/devices/${encodeURIComponent(dan.userId)}`);
		expect(res.status).toBe(200);
		expect(res.body.user_id).toBe(dan.userId);
		expect(typeof res.body.stream_id).toBe("number");
		expect((res.body.devices as { device_id: string }[]).map((d) => d.device_id)).toEqual(["DANDEV"]);
	});

	it("/query/profile and /query/directory answer; unknown alias is M_NOT_FOUND", async () => {
		const profile = await fed(remote, "GET", `/_matrix/federation/v1/query/profile?user_id=${encodeURIComponent(dan.userId)}`);
		expect(profile.status).toBe(200);
		const dir = await fed(remote, "GET", `/_matrix/federation/v1/query/directory?room_alias=${encodeURIComponent(`#nope:${env.SERVER_NAME}`)}`);
		expect(dir.status).toBe(404);
		expect(dir.body.errcode).toBe("M_NOT_FOUND");
	});

	it("refuses unsigned requests", async () => {
		const res = await exports.default.fetch("http://localhost/_matrix/federation/v1/user/keys/query", { method: "POST", body: JSON.stringify({ device_keys: {} }) });
		expect(res.status).toBe(401);
	});
});
