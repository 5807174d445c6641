// URL previews: fetch a page the way a careful crawler would (public hosts only, each redirect checked,
// bounded bytes and time), read its OpenGraph tags with the runtime's streaming HTML parser, and keep the
// preview image as local media so clients load it from us, never from the site.
// Spec: https://spec.matrix.org/latest/client-server-api/#get_matrixclientv1mediapreview_url

import { MatrixError } from "../../protocol/errors";
import type { JsonObject } from "../../protocol/events/pdu";
import type { Config } from "../../platform/config";
import { readBounded } from "../../platform/bounded-read";
import { isPublicHost } from "../../platform/net/private-address";
import { sha256Hex, storeUpload } from "./upload";

/** A page's head is what we read; a megabyte holds the OpenGraph tags of any sane page. */
const MAX_PAGE_BYTES = 1024 * 1024;
const MAX_IMAGE_BYTES = 10 * 1024 * 1024;
const MAX_REDIRECTS = 5;
const FETCH_TIMEOUT_MS = 8_000;
const MAX_URL_LENGTH = 2048;
/** Previews are cached for everyone on this server: a page asked for by many members is fetched once. */
const CACHE_TTL_S = 60 * 60;
/** OpenGraph values are short; a page that stuffs more into one is cut. */
const MAX_VALUE_LENGTH = 1000;

/** The `url` query parameter: an absolute http(s) URL without credentials. */
export function previewTarget(raw: string | undefined): URL {
	if (raw === undefined || raw === "") throw new MatrixError("M_MISSING_PARAM", "Missing url");
	let url: URL;
	try {
		url = new URL(raw);
	} catch {
		throw new MatrixError("M_INVALID_PARAM", "url is not an absolute URL");
	}
	if ((url.protocol !== "http:" && url.protocol !== "https:") || url.username !== "" || url.password !== "" || raw.length > MAX_URL_LENGTH) {
		throw new MatrixError("M_INVALID_PARAM", "url must be an http(s) URL without credentials");
	}
	url.hash = "";
	return url;
}

interface Fetched {
	url: URL;
	res: Response;
}

/** GET with every hop's host checked before it is contacted; the caller reads (or cancels) the body. */
async function guardedFetch(start: URL, config: Config, accept: string): Promise<Fetched> {
	let url = start;
	for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
		if (!(await isPublicHost(url.host, { dohUrl: config.federationDohUrl }))) {
			throw new MatrixError("M_FORBIDDEN", "That address may not be previewed");
		}
		let res: Response;
		try {
			res = await fetch(url.toString(), { headers: { accept, "user-agent": "sealbridge URL preview" }, redirect: "manual", signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
		} catch {
			throw new MatrixError("M_UNKNOWN", "The page could not be fetched", { status: 502 });
		}
		const location = res.headers.get("location");
		if (res.status >= 300 && res.status < 400 && location !== null) {
			await res.body?.cancel();
			const next = new URL(location, url);
			if (next.protocol !== "http:" && next.protocol !== "https:") throw new MatrixError("M_UNKNOWN", "The page redirects elsewhere", { status: 502 });
			url = next;
			continue;
		}
		if (!res.ok) {
			await res.body?.cancel();
			throw new MatrixError("M_UNKNOWN", `The page answered ${res.status}`, { status: 502 });
		}
		return { url, res };
	}
	throw new MatrixError("M_UNKNOWN", "Too many redirects", { status: 502 });
}

function mediaType(res: Response): string {
	return (res.headers.get("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
}

/** The `og:*` (and `og:image:*`) meta tags, with the <title> and description as fallbacks. */
async function readOpenGraph(bytes: Uint8Array, contentType: string): Promise<Record<string, string>> {
	const og: Record<string, string> = {};
	let title = "";
	let description: string | null = null;
	const rewriter = new HTMLRewriter()
		.on("meta", {
			element(el) {
				const key = el.getAttribute("property") ?? el.getAttribute("name");
				const content = el.getAttribute("content");
				if (key === null || content === null) return;
				const k = key.trim().toLowerCase();
				const value = decodeEntities(content).slice(0, MAX_VALUE_LENGTH);
				if (k.startsWith("og:") && og[k] === undefined) og[k] = value;
				if (k === "description" && description === null) description = value;
			},
		})
		.on("title", {
			text(chunk) {
				if (title.length < MAX_VALUE_LENGTH) title += chunk.text;
			},
		});
	await rewriter.transform(new Response(bytes, { headers: { "content-type": contentType } })).arrayBuffer();
	const trimmedTitle = title.trim().slice(0, MAX_VALUE_LENGTH);
	if (og["og:title"] === undefined && trimmedTitle !== "") og["og:title"] = decodeEntities(trimmedTitle);
	if (og["og:description"] === undefined && description !== null) og["og:description"] = description;
	return og;
}

const NAMED_ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", nbsp: "\u00a0" };

/** The streaming parser hands over text and attribute values undecoded: the common entities are decoded here. */
function decodeEntities(text: string): string {
	return text.replace(/&(#x[0-9a-f]{1,6}|#\d{1,7}|[a-z]{2,6});/gi, (whole, e: string) => {
		if (e[0] !== "#") return NAMED_ENTITIES[e.toLowerCase()] ?? whole;
		const code = e[1] === "x" || e[1] === "X" ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
		return code > 0 && code <= 0x10ffff && !(code >= 0xd800 && code <= 0xdfff) ? String.fromCodePoint(code) : whole;
	});
}

/** Downloads an image (public hosts only, bounded) into local media; null if it is not one we can keep. */
async function keepImage(env: Env, config: Config, url: URL, uploader: string, now: number): Promise<JsonObject | null> {
	try {
		const { res } = await guardedFetch(url, config, "image/*");
		const type = mediaType(res);
		if (!type.startsWith("image/") || res.body === null) {
			await res.body?.cancel();
			return null;
		}
		const bytes = await readBounded(res.body, Math.min(MAX_IMAGE_BYTES, config.maxUploadBytes));
		if (bytes === undefined) return null;
		const mediaId = await storeUpload(env, uploader, { bytes, contentType: type, fileName: null }, now);
		return { "og:image": `mxc://${config.serverName}/${mediaId}`, "og:image:type": type, "matrix:image:size": bytes.length };
	} catch {
		// A broken image does not spoil the preview of the page.
		return null;
	}
}

async function buildPreview(env: Env, config: Config, target: URL, uploader: string, now: number): Promise<JsonObject> {
	const { url, res } = await guardedFetch(target, config, "text/html,application/xhtml+xml,image/*;q=0.8");
	const type = mediaType(res);
	if (type.startsWith("image/")) {
		await res.body?.cancel();
		return (await keepImage(env, config, url, uploader, now)) ?? {};
	}
	if ((type !== "text/html" && type !== "application/xhtml+xml") || res.body === null) {
		await res.body?.cancel();
		return {};
	}
	const bytes = await readBounded(res.body, MAX_PAGE_BYTES);
	// An endless page: take nothing from it rather than half a document.
	if (bytes === undefined) return {};
	const og = await readOpenGraph(bytes, type);
	const preview: JsonObject = {};
	for (const [k, v] of Object.entries(og)) {
		if (k === "og:image" || k === "og:image:url" || k === "og:image:secure_url") continue;
		preview[k] = /^og:image:(width|height)$/.test(k) && /^\d{1,6}$/.test(v) ? Number(v) : v;
	}
	const image = og["og:image"] ?? og["og:image:url"] ?? og["og:image:secure_url"];
	if (image !== undefined) {
		let imageUrl: URL | null = null;
		try {
			imageUrl = new URL(image, url);
		} catch {
			imageUrl = null;
		}
		const kept = imageUrl !== null && (imageUrl.protocol === "http:" || imageUrl.protocol === "https:") ? await keepImage(env, config, imageUrl, uploader, now) : null;
		if (kept !== null) Object.assign(preview, kept);
	}
	return preview;
}

async function cacheKey(url: URL): Promise<string> {
	return `url-preview:${await sha256Hex(new TextEncoder().encode(url.toString()))}`;
}

/** The preview of `target`, from the cache or fetched now (and cached). */
export async function previewUrl(env: Env, config: Config, target: URL, uploader: string, now: number): Promise<JsonObject> {
	const key = await cacheKey(target);
	const cached = await env.CACHE.get<JsonObject>(key, "json");
	if (cached !== null) return cached;
	const preview = await buildPreview(env, config, target, uploader, now);
	await env.CACHE.put(key, JSON.stringify(preview), { expirationTtl: CACHE_TTL_S });
	return preview;
}
