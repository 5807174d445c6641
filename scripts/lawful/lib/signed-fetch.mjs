// An authority's RFC 9421-signed request, as sealbridge verifies it (src/export/authority-auth/sign-request.ts
// is the server-side twin): covers @method and @target-uri with created, expires (+5 minutes), a fresh
// 256-bit nonce, keyid (the trust store's kid) and alg. Uses http-message-signatures and Node's WebCrypto.
import { randomBytes, webcrypto } from "node:crypto";
import { readFileSync } from "node:fs";
import { httpbis } from "http-message-signatures";
import { CliError } from "./cli.mjs";

/** Loads a private authority JWK (Ed25519 or P-256) with its "kid" from a file (or takes the parsed JWK). */
export function loadAuthorityKey(file) {
	const jwk = typeof file === "string" ? JSON.parse(readFileSync(file, "utf8")) : file;
	if (typeof jwk.kid !== "string" || jwk.d === undefined) throw new CliError(`${file}: a private JWK with a "kid" is needed`);
	if (jwk.kty === "OKP" && jwk.crv === "Ed25519") return { jwk, alg: "ed25519", importAlg: { name: "Ed25519" }, signAlg: { name: "Ed25519" } };
	if (jwk.kty === "EC" && jwk.crv === "P-256") return { jwk, alg: "ecdsa-p256-sha256", importAlg: { name: "ECDSA", namedCurve: "P-256" }, signAlg: { name: "ECDSA", hash: "SHA-256" } };
	throw new CliError(`${file}: only Ed25519 and P-256 keys are allowed`);
}

/**
 * GET `url` signed with `key`; returns the fetch Response. Each call uses a new nonce (a nonce is used once).
 * `fetchFn` lets the bench send through wrangler's test harness instead of the network.
 */
export async function signedGet(url, key, fetchFn = fetch) {
	const { kid, ...jwk } = key.jwk;
	const privateKey = await webcrypto.subtle.importKey("jwk", jwk, key.importAlg, false, ["sign"]);
	const created = new Date();
	const signed = await httpbis.signMessage(
		{
			key: { id: kid, alg: key.alg, sign: async (data) => new Uint8Array(await webcrypto.subtle.sign(key.signAlg, privateKey, data)) },
			fields: ["@method", "@target-uri"],
			params: ["created", "expires", "nonce", "keyid", "alg"],
			paramValues: { created, expires: new Date(created.getTime() + 300_000), nonce: randomBytes(32).toString("base64url") },
			name: "sig1",
		},
		{ method: "GET", url, headers: {} },
	);
	return fetchFn(url, { headers: signed.headers });
}
