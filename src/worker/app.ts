// Composition root of the HTTP side: config, CORS, the endpoint table with its auth, 404/405, one error handler.
// CORS: https://spec.matrix.org/latest/client-server-api/#web-browser-clients

import { Hono } from "hono";
import { cors } from "hono/cors";
import { authenticateServer } from "../bridge/auth/x-matrix-auth";
import { roomFederationFor } from "../bridge/joins/room-federation";
import { queryFederationFor } from "../bridge/queries/remote-queries";
import { e2eeFederationFor } from "../bridge/e2ee/e2ee-federation";
import { authenticateAuthority } from "../export/authority-auth/middleware";
import { endpoints } from "./endpoints";
import { requireOperator } from "./http/auth-operator";
import { authenticateUser } from "./http/auth-user";
import { configMiddleware } from "./http/config-middleware";
import type { AppEnv } from "./http/context";
import type { Endpoint } from "./http/endpoint";
import { handleError } from "./http/error-handler";
import { type AuthMiddlewares, mountEndpoints } from "./http/mount-endpoints";
import { enforceAccountStatus } from "./http/account-status";

/** Each AuthKind's proof, in order. Mounting applies exactly this; nothing is authorised by path. */
export const AUTH_MIDDLEWARES: AuthMiddlewares = {
	none: [],
	user: [authenticateUser, enforceAccountStatus],
	server: [authenticateServer],
	operator: [authenticateUser, enforceAccountStatus, requireOperator],
	authority: [authenticateAuthority],
};

/** The headers the spec asks every Client-Server response (and the preflight) to carry. */
const matrixCors = cors({
	origin: "*",
	allowMethods: ["GET", "POST", "PUT", "DELETE", "OPTIONS"],
	allowHeaders: ["X-Requested-With", "Content-Type", "Authorization"],
});

/** Builds the app around a given endpoint table; tests mount their own small tables through this too. */
export function buildApp(table: readonly Endpoint[], auth: AuthMiddlewares = AUTH_MIDDLEWARES): Hono<AppEnv> {
	const app = new Hono<AppEnv>();
	// CORS first: a preflight (OPTIONS) needs neither config nor auth, and errors keep the CORS headers.
	app.use("/_matrix/*", matrixCors);
	app.use("/.well-known/matrix/*", matrixCors);
	app.use("*", configMiddleware);
	// Remote joins and invites reach other servers through this port (worker code imports bridge types only).
	app.use("*", async (c, next) => {
		c.set("roomFederation", roomFederationFor(c.env, c.get("config")));
		c.set("queryFederation", queryFederationFor(c.env, c.get("config")));
		await next();
	});
	// The E2EE routes reach other servers through this port (ARCHITECTURE.md: worker code imports bridge types only).
	app.use("*", async (c, next) => {
		c.set("e2eeFederation", e2eeFederationFor(c.env, c.get("config")));
		await next();
	});
	mountEndpoints(app, table, auth);
	app.onError(handleError);
	return app;
}

export const app = buildApp(endpoints);
