// `order sign`: build a lawful-access order and sign it as an authority would (LAWFUL_ACCESS.md "Order format"):
// the payload is the RFC 8785 (JCS) form of the order JSON, signed with jose as a compact JWS, or as JSON
// General with several keys (a validating authority's co-signature). Prints the JWS to stdout.
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import canonicalize from "canonicalize";
import { CompactSign, GeneralSign, importJWK } from "jose";
import { CliError, parseOptions } from "./lib/cli.mjs";

export const command = "order sign";
export const summary = "build and sign an order (JCS payload, compact or co-signed JSON General JWS)";
export const help = `order sign --key JWK_FILE [--key JWK_FILE2] [--order ORDER_JSON | flags] [--out FILE]
  --key FILE          a private JWK (Ed25519 → EdDSA, P-256 → ES256) with its "kid"; repeat for a co-signature
                      (then the output is the JSON General serialisation)
  --order FILE        the order JSON; header.timestamp and transactionIdentifier are filled in when absent
  Or build one from flags:
  --sender ID --country CC --receiver SERVER_NAME --legal-basis BASIS --reference CASE
  --target MXID|MXID/DEVICE|EMAIL|+E164|IP (repeatable; one task each)   --type SubscriberData|UserIdentifyingData|TrafficData
  --observed TIME     when an IP target was seen (required for IP targets: requestDetails.observedTime)
  --start TIME --end TIME (the records' window)   --valid-days N (default 7)   --approver "Name, Role"
  --subtype S (repeatable; grey data: ProfileDetails, RoomDetails, DirectMessageMap, produced only under LAWFUL_GREY_DATA)   --ndo-until TIME --ndo-provision TEXT   --preserve (LP tasks)   --emergency
  --recipient-key FILE  a public JWK (X25519, P-256/384/521 or RSA ≥ 2048) the package is to be encrypted to
                        (delivery.recipientKey; make one with "authority keygen --alg ECDH-ES")`;

const SPEC = {
	key: "values", order: "value", out: "value", sender: "value", country: "value", receiver: "value", "legal-basis": "value",
	reference: "value", target: "values", type: "value", start: "value", end: "value", "valid-days": "value", approver: "value",
	subtype: "values", "ndo-until": "value", "ndo-provision": "value", preserve: "flag", emergency: "flag", jurisdiction: "value",
	"recipient-key": "value", observed: "value",
};

function formatOf(value) {
	if (value.startsWith("@")) return value.includes("/") ? "MatrixDeviceId" : "ServiceAccessIdentifier";
	if (value.startsWith("+")) return "InternationalE164";
	if (value.includes("@")) return "InternationalizedEmailAddress";
	return value.includes(":") ? "IPV6Address" : "IPV4Address";
}

function need(o, name) {
	if (o[name] === undefined) throw new CliError(`--${name} is required (or give --order FILE)`, 2);
	return o[name];
}

export function buildOrder(o, now = Date.now()) {
	const iso = (ms) => new Date(ms).toISOString();
	const validDays = Number(o["valid-days"] ?? "7");
	const tasks = need(o, "target").map((value, i) => ({
		kind: o.preserve ? "LP" : "LD",
		reference: `LDID-${i + 1}`,
		requestDetails: {
			type: o.type ?? "SubscriberData",
			...(o.subtype ? { subtypes: o.subtype } : {}),
			...(o.start ? { startTime: o.start } : {}),
			...(o.end ? { endTime: o.end } : {}),
			...(o.observed && formatOf(value).startsWith("IPV") ? { observedTime: o.observed } : {}),
			requestValues: [{ formatType: formatOf(value), value }],
		},
	}));
	const [approverName, approverRole = "Judge"] = (o.approver ?? "Authorising Official, Judge").split(",").map((s) => s.trim());
	return {
		header: {
			senderIdentifier: { countryCode: o.country ?? "US", uniqueIdentifier: need(o, "sender") },
			receiverIdentifier: { countryCode: "XX", uniqueIdentifier: need(o, "receiver") },
			transactionIdentifier: randomUUID(),
			timestamp: iso(now),
		},
		authorisation: {
			authorisationReference: need(o, "reference"),
			legalBasis: need(o, "legal-basis"),
			jurisdiction: o.jurisdiction ?? o.country ?? "US",
			timespan: { startTime: iso(now - 60_000), endTime: iso(now + validDays * 86_400_000) },
			approvalDetails: [{ approverName, approverRole, approvalTimestamp: iso(now - 60_000) }],
			...(o.emergency ? { flags: ["IsEmergency"] } : {}),
			...(o["ndo-until"] ? { nonDisclosure: { until: o["ndo-until"], legalProvision: o["ndo-provision"] ?? "" } } : {}),
		},
		tasks,
		...(o.recipientKey ? { delivery: { recipientKey: o.recipientKey } } : {}),
	};
}

async function loadKey(file) {
	const jwk = JSON.parse(readFileSync(file, "utf8"));
	if (typeof jwk.kid !== "string" || jwk.d === undefined) throw new CliError(`${file}: a private JWK with a "kid" is needed`);
	const alg = jwk.kty === "OKP" && jwk.crv === "Ed25519" ? "EdDSA" : jwk.kty === "EC" && jwk.crv === "P-256" ? "ES256" : undefined;
	if (!alg) throw new CliError(`${file}: only Ed25519 (EdDSA) and P-256 (ES256) keys are allowed`);
	return { kid: jwk.kid, alg, key: await importJWK(jwk, alg) };
}

/** Signs the order's JCS bytes: compact with one key, JSON General with several. */
export async function signOrder(order, keys) {
	const payload = new TextEncoder().encode(canonicalize(order));
	const header = (k) => ({ alg: k.alg, kid: k.kid, typ: "lawful-order+jws" });
	if (keys.length === 1) return new CompactSign(payload).setProtectedHeader(header(keys[0])).sign(keys[0].key);
	const sign = new GeneralSign(payload);
	for (const k of keys) sign.addSignature(k.key).setProtectedHeader(header(k));
	return JSON.stringify(await sign.sign());
}

export async function run(argv) {
	const { options } = parseOptions(argv, SPEC);
	const keys = await Promise.all(need(options, "key").map(loadKey));
	let order;
	if (options.order) {
		order = JSON.parse(readFileSync(options.order, "utf8"));
		order.header ??= {};
		order.header.transactionIdentifier ??= randomUUID();
		order.header.timestamp ??= new Date().toISOString();
	} else {
		const recipientKey = options["recipient-key"] ? JSON.parse(readFileSync(options["recipient-key"], "utf8")) : undefined;
		if (recipientKey?.d !== undefined) throw new CliError("--recipient-key must be the public JWK (it has a private part)", 2);
		order = buildOrder({ ...options, recipientKey });
	}
	const jws = await signOrder(order, keys);
	if (options.out) {
		const { writeFileSync } = await import("node:fs");
		writeFileSync(options.out, jws);
		console.error(`signed order written to ${options.out} (transaction ${order.header.transactionIdentifier})`);
	} else process.stdout.write(`${jws}\n`);
}
