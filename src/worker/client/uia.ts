// User-Interactive Authentication for routes: `requireUserInteractiveAuth` returns once the client has
// completed a flow, or throws the spec's 401 (flows, params, session, completed; plus errcode/error after a
// failed stage). Sessions live in D1 (d1/uia-sessions.ts); the flow logic is pure (protocol/uia).
// Spec: https://spec.matrix.org/latest/client-server-api/#user-interactive-authentication-api

import type { Context } from "hono";
import type { JsonObject } from "../../protocol/events/pdu";
import { type Errcode, MatrixError } from "../../protocol/errors";
import type { UserId } from "../../protocol/ids/user-id";
import { encodeBase64Url } from "../../protocol/json/base64";
import { type AuthDict, parseAuthDict } from "../../protocol/uia/auth-dict";
import { challengeBody, isComplete, isNextStage, type UiaChallengeBody, type UiaFlow } from "../../protocol/uia/flows";
import {
	addCompletedStage,
	createUiaSession,
	deleteUiaSession,
	getUiaSession,
	purgeExpiredUiaSessions,
	type UiaSession,
} from "../d1/uia-sessions";
import { readJsonBody } from "../http/body";
import type { AppEnv } from "../http/context";
import { checkPasswordStage } from "./password-auth";

export type { UiaFlow };

/** A stage's verdict: passed, or the errcode and message the 401 carries so the client may retry. */
export type StageResult = { ok: true } | { ok: false; errcode: Errcode; error: string };

/** Checks one stage attempt. It may throw a MatrixError for input that is malformed rather than wrong. */
export type StageVerifier = (c: Context<AppEnv>, auth: AuthDict, session: UiaSession) => Promise<StageResult>;

export interface UiaOptions {
	/** The authenticated caller, or null on /register (no account yet). The session is bound to it. */
	userId: UserId | null;
	flows: readonly UiaFlow[];
	/** What the session authorises, e.g. `DELETE /devices/ABCDEF`; a session started for another action is refused. */
	action: string;
	params?: Record<string, Record<string, unknown>>;
	/** The parsed body, if the route already read it; otherwise it is read here (Hono caches the bytes). */
	body?: JsonObject;
	/** Verifiers for stages beyond the built-in m.login.password and m.login.dummy (e.g. registration tokens). */
	stages?: Readonly<Record<string, StageVerifier>>;
}

/** The 401 a UIA endpoint answers: the challenge body, with errcode/error only when a stage attempt failed. */
export class UiaChallenge extends MatrixError {
	constructor(
		readonly body: UiaChallengeBody,
		readonly failure?: { errcode: Errcode; error: string },
	) {
		super(failure?.errcode ?? "M_UNAUTHORIZED", failure?.error ?? "User-interactive authentication required", { status: 401 });
	}

	override toJSON(): Record<string, unknown> {
		return this.failure === undefined ? { ...this.body } : { ...this.body, errcode: this.failure.errcode, error: this.failure.error };
	}
}

const BUILT_IN_STAGES: Readonly<Record<string, StageVerifier>> = {
	"m.login.password": checkPasswordStage,
	// "Dummy authentication always succeeds and requires no extra parameters."
	"m.login.dummy": async () => ({ ok: true }),
};

const SESSION_ID_BYTES = 18;

function newSessionId(): string {
	return encodeBase64Url(crypto.getRandomValues(new Uint8Array(SESSION_ID_BYTES)));
}

/**
 * Runs one round of UIA for this request. Returns the completed session (already ended: it authorises this
 * one request) or throws a UiaChallenge / MatrixError. Bad input (wrong types) is M_BAD_JSON and changes nothing.
 */
export async function requireUserInteractiveAuth(c: Context<AppEnv>, options: UiaOptions): Promise<UiaSession> {
	const db = c.env.DB;
	const now = Date.now();
	const body = options.body ?? (await readJsonBody(c));
	const auth = parseAuthDict(body.auth);
	const challenge = (session: UiaSession, failure?: StageResult & { ok: false }): UiaChallenge =>
		new UiaChallenge(
			challengeBody(options.flows, session.session_id, session.completed, options.params),
			failure && { errcode: failure.errcode, error: failure.error },
		);

	let session: UiaSession;
	if (auth?.session === undefined) {
		// No session yet: start one. A client may attempt its first stage in this same request.
		await purgeExpiredUiaSessions(db, now);
		session = { session_id: newSessionId(), action: options.action, user_id: options.userId, completed: [], registration_token: null, created_ts: now };
		await createUiaSession(db, session);
	} else {
		const found = await getUiaSession(db, auth.session, now);
		if (found === null) throw new MatrixError("M_UNKNOWN", "Unknown or expired UIA session");
		// A session proves something about one caller and one request; reusing it elsewhere would let a
		// password typed to delete one device delete another, or another user's.
		if (found.user_id !== options.userId || found.action !== options.action) {
			throw new MatrixError("M_FORBIDDEN", "This UIA session belongs to a different request");
		}
		session = found;
	}
	if (auth === undefined || auth.type === undefined) throw challenge(session);

	const stage = auth.type;
	const verifier = options.stages?.[stage] ?? BUILT_IN_STAGES[stage];
	// "Failing to follow the flows in order must result in an HTTP 401 response."
	if (verifier === undefined || !isNextStage(options.flows, session.completed, stage)) {
		throw challenge(session, { ok: false, errcode: "M_FORBIDDEN", error: `Stage ${stage} is not expected now` });
	}
	const verdict = await verifier(c, auth, session);
	if (!verdict.ok) throw challenge(session, verdict);
	if (!(await addCompletedStage(db, session.session_id, session.completed, stage))) {
		throw new MatrixError("M_FORBIDDEN", "The UIA session changed concurrently; retry");
	}
	session = { ...session, completed: [...session.completed, stage] };
	if (!isComplete(options.flows, session.completed)) throw challenge(session);
	// Only the request that deletes the session may proceed: two racing final stages cannot both succeed.
	// The row it returns carries what verifiers stored on it (a reserved registration token).
	const ended = await deleteUiaSession(db, session.session_id);
	if (ended === null) throw new MatrixError("M_FORBIDDEN", "The UIA session was already used");
	return ended;
}
