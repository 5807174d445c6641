// What the request context carries: bindings, validated config, and what auth middleware proved.
// Middleware declares its variables here (STYLE.md: never cast a variable's key to get past these types).

import type { Config } from "../../platform/config";
import type { QueryFederationPort } from "../client/query-federation-port";
import type { RoomFederationPort } from "../client/room-federation-port";
import type { E2eeFederationPort } from "../user/e2ee/federation-port";

export interface AppVariables {
	config: Config;
	/** Set by user (and operator) auth. */
	user: string;
	device: string;
	/** Set by X-Matrix server auth. */
	origin: string;
	/** Set by authority auth (RFC 9421): the trust-store authority and the key that signed. */
	authority: { authorityId: string; kid: string };
	/** Remote key queries/claims and outbound E2EE EDUs; set by the composition root (app.ts). */
	e2eeFederation: E2eeFederationPort;
	/** Remote joins and invites for the membership routes; set by the composition root (app.ts). */
	roomFederation: RoomFederationPort;
	/** Other servers' aliases and profiles for the directory, join and profile routes; set by app.ts. */
	queryFederation: QueryFederationPort;
	/** The mounted endpoint's body limit, read by readJsonBody; unset outside mounted endpoints. */
	maxBodyBytes?: number;
}

export interface AppEnv {
	Bindings: Env;
	Variables: AppVariables;
}
