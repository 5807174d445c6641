// The production job: interrupted mid-way (a page written to R2 but never committed, as a crash would leave
// it) and resumed, it yields exactly the records of an uninterrupted run; the package is a valid BagIt bag
// whose hashes, Payload-Oxum and provider signature check out.
import { env } from "cloudflare:workers";
import { unzipSync } from "fflate";
import { beforeAll, describe, expect, it } from "vitest";
import { getConfig } from "../../src/platform/config";
import { attachPayload } from "../../src/export/keys/sign";
import { buildJwks, verifyProviderJws } from "../../src/export/keys/jwks";
import { listProviderKeys } from "../../src/export/keys/provider-key";
import { preparePage } from "../../src/export/job/collect-step";
import { runJob } from "../../src/export/job/run";
import { productionInput } from "../../src/export/job/input";
import { getJob, insertJob } from "../../src/export/job/store";
import type { ScopeTask } from "../../src/export/order/types";
import { buildFixture, type Fixture, MARKERS, MEDIA_BYTES } from "./lawful-collect-fixture";

let fx: Fixture;
const text = new TextDecoder();
let counter = 0;
const opts = { now: Date.now, random: () => `r${++counter}`, pageRecords: 3 };

function tasks(): ScopeTask[] {
	const target = { format: "ServiceAccessIdentifier" as const, userId: fx.target.userId };
	const window = { start: 0, end: Date.now() + 60_000 };
	return [
		{ ldid: "LD-SUB", kind: "LD", requestType: "SubscriberData", subtypes: [], target, window: null, preservationExpiresAt: null },
		{ ldid: "LD-TRAFFIC", kind: "LD", requestType: "TrafficData", subtypes: ["DeviceKeys", "PushTargets", "Memberships", "EventEnvelopes", "Counterparties", "MediaMetadata"], target, window, preservationExpiresAt: null },
		{ ldid: "LD-REMOTE", kind: "LD", requestType: "SubscriberData", subtypes: [], target: { format: "ServiceAccessIdentifier", userId: "@someone:elsewhere.example" }, window: null, preservationExpiresAt: null },
	];
}

async function newJob(orderId: string): Promise<void> {
	const input = await productionInput(orderId, { authorisationReference: "CASE-42", legalBasis: "US-18USC2703d" }, "eyJhbGciOiJFZERTQSJ9.e30.sig", tasks(), getConfig(env).serverName, Date.now());
	await insertJob(env.DB, input, Date.now());
}

async function packageFiles(orderId: string): Promise<Record<string, Uint8Array>> {
	const job = await getJob(env.DB, orderId);
	const object = await env.EVIDENCE.get(job!.package_key!);
	return unzipSync(new Uint8Array(await object!.arrayBuffer()));
}

function records(files: Record<string, Uint8Array>): string[] {
	return Object.entries(files)
		.filter(([path]) => path.startsWith("data/records/"))
		.flatMap(([, bytes]) => text.decode(bytes).split("\n").filter((l) => l !== ""));
}

async function sha256(bytes: Uint8Array): Promise<string> {
	return [...new Uint8Array(await crypto.subtle.digest("SHA-256", bytes))].map((b) => b.toString(16).padStart(2, "0")).join("");
}

beforeAll(async () => {
	fx = await buildFixture("job", 5);
});

describe("production job", () => {
	it("resumes after a crash mid-way without duplicating or losing records", async () => {
		await newJob("order-straight");
		expect((await runJob(env, "order-straight", opts)).state).toBe("done");
		const expected = records(await packageFiles("order-straight")).sort();
		expect(expected.length).toBeGreaterThan(20);

		await newJob("order-crash");
		expect((await runJob(env, "order-crash", { ...opts, maxSteps: 4 })).state).toBe("collecting");
		// A crash after the page reached R2 and before its commit: the cursor stays where it was.
		const before = await getJob(env.DB, "order-crash");
		expect(await preparePage(env, before!, "crashed", 3)).not.toBeNull();
		expect((await getJob(env.DB, "order-crash"))?.next_part).toBe(before!.next_part);
		// A second crash a few steps later, then the rest.
		expect((await runJob(env, "order-crash", { ...opts, maxSteps: 3 })).state).toBe("collecting");
		const outcome = await runJob(env, "order-crash", opts);
		expect(outcome.state).toBe("done");
		const resumed = records(await packageFiles("order-crash")).sort();
		expect(resumed).toEqual(expected);
		expect(new Set(resumed).size).toBe(resumed.length);
		// The staging parts (orphans included) are gone once the package exists.
		expect((await env.EVIDENCE.list({ prefix: "lawful/jobs/order-crash/" })).objects).toEqual([]);
		// Running a finished job again changes nothing.
		const again = await runJob(env, "order-crash", opts);
		expect(again).toMatchObject({ state: "done", assembledNow: false });
	});

	it("builds a BagIt bag whose manifests, Payload-Oxum and delivery signature verify", async () => {
		const files = await packageFiles("order-straight");
		expect(Object.keys(files).sort()).toEqual(
			[
				"bag-info.txt", "bagit.txt", "data/order.jws", "data/readme.txt", "data/records/counterparties.ndjson", "data/records/cross-signing-keys.ndjson",
				"data/records/devices.ndjson", "data/records/event-envelopes.ndjson", "data/records/media.ndjson", "data/records/memberships.ndjson",
				"data/records/pushers.ndjson", "data/records/sessions.ndjson", "data/records/subscriber.ndjson", "data/schema/records.schema.json",
				"delivery.json", "delivery.jws", "manifest-sha256.txt", "tagmanifest-sha256.txt",
			].sort(),
		);
		expect(text.decode(files["data/order.jws"])).toBe("eyJhbGciOiJFZERTQSJ9.e30.sig");
		const manifest = text.decode(files["manifest-sha256.txt"]).trim().split("\n");
		const payloadPaths = Object.keys(files).filter((p) => p.startsWith("data/")).sort();
		expect(manifest.map((l) => l.split("  ")[1])).toEqual(payloadPaths);
		for (const line of manifest) {
			const [hash, path] = line.split("  ");
			expect(await sha256(files[path!]!), path).toBe(hash);
		}
		const tags = text.decode(files["tagmanifest-sha256.txt"]).trim().split("\n");
		expect(tags.map((l) => l.split("  ")[1])).toEqual(["bag-info.txt", "bagit.txt", "delivery.json", "manifest-sha256.txt"]);
		for (const line of tags) {
			const [hash, path] = line.split("  ");
			expect(await sha256(files[path!]!), path).toBe(hash);
		}
		const info = text.decode(files["bag-info.txt"]);
		const bytes = payloadPaths.reduce((n, p) => n + files[p]!.length, 0);
		expect(info).toContain(`Payload-Oxum: ${bytes}.${payloadPaths.length}`);
		expect(info).toContain("LDID: LD-SUB\nLDID: LD-TRAFFIC\nLDID: LD-REMOTE\n");
		expect(info).toContain("Case-Reference: CASE-42");
		const delivery = JSON.parse(text.decode(files["delivery.json"])) as Record<string, unknown>;
		expect(delivery).toMatchObject({ part: 1, totalParts: 1, isFinal: true, orderSha256: await sha256(files["data/order.jws"]!) });
		expect(delivery.categoriesNotAvailable).toEqual(expect.arrayContaining([expect.objectContaining({ ldid: "LD-REMOTE" })]));
		const readme = text.decode(files["data/readme.txt"]);
		expect(readme).toContain("LD-REMOTE: no records");
		expect(readme).toContain("remote user");
		const jwks = buildJwks(await listProviderKeys(env.DB, getConfig(env), Date.now()));
		const attached = attachPayload(text.decode(files["delivery.jws"]), files["tagmanifest-sha256.txt"]!);
		expect(await verifyProviderJws(attached, jwks, "lawful-delivery+jws")).toMatchObject({ ok: true });
		const tampered = attachPayload(text.decode(files["delivery.jws"]), `${text.decode(files["tagmanifest-sha256.txt"])} `);
		expect(await verifyProviderJws(tampered, jwks, "lawful-delivery+jws")).toMatchObject({ ok: false });
	});

	it("carries no content, ciphertext, session IDs, sender keys, key-backup data or media bytes", async () => {
		const files = await packageFiles("order-straight");
		const all = Object.values(files).map((b) => text.decode(b)).join("\n");
		for (const marker of [...Object.values(MARKERS), MEDIA_BYTES, "CANARY-BACKUP-DATA", "CANARY-BACKUP-PUBKEY", "curve-TARGETDEV"]) expect(all).not.toContain(marker);
	});
});
