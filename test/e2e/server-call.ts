// One Client-Server API request to a RunningServer as an account, for the e2e tests that drive servers
// over plain HTTP rather than through a client SDK.
import type { Account } from "./matrix-clients";
import type { RunningServer } from "./run-server";

export async function call(server: RunningServer, who: Account, method: string, path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
	const res = await fetch(`${server.baseUrl}${path}`, {
		method,
		headers: { authorization: `Bearer ${who.accessToken}`, "content-type": "application/json" },
		...(body === undefined ? {} : { body: JSON.stringify(body) }),
	});
	return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}
