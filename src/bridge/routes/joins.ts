// Inbound joins, leaves and knocks: make_join, send_join (v2), make_leave, send_leave (v2), make_knock, send_knock (v1).
// Spec: https://spec.matrix.org/latest/server-server-api/#joining-rooms,
// https://spec.matrix.org/latest/server-server-api/#leaving-rooms-rejecting-invites,
// https://spec.matrix.org/latest/server-server-api/#knocking-upon-a-room

import type { Endpoint } from "../../worker/http/endpoint";
import { makeMembership } from "./make-membership";
import { sendMembership } from "./send-membership";

const limit = { perSecond: 2, burst: 10 };

export const joinEndpoints: Endpoint[] = [
	{ method: "GET", path: "/_matrix/federation/v1/make_join/:roomId/:userId", auth: "server", rateLimit: limit, handler: (c) => makeMembership(c, "join") },
	{ method: "PUT", path: "/_matrix/federation/v2/send_join/:roomId/:eventId", auth: "server", rateLimit: limit, handler: (c) => sendMembership(c, "join") },
	{ method: "GET", path: "/_matrix/federation/v1/make_leave/:roomId/:userId", auth: "server", rateLimit: limit, handler: (c) => makeMembership(c, "leave") },
	{ method: "PUT", path: "/_matrix/federation/v2/send_leave/:roomId/:eventId", auth: "server", rateLimit: limit, handler: (c) => sendMembership(c, "leave") },
	{ method: "GET", path: "/_matrix/federation/v1/make_knock/:roomId/:userId", auth: "server", rateLimit: limit, handler: (c) => makeMembership(c, "knock") },
	{ method: "PUT", path: "/_matrix/federation/v1/send_knock/:roomId/:eventId", auth: "server", rateLimit: limit, handler: (c) => sendMembership(c, "knock") },
];
