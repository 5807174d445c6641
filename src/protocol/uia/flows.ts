// User-Interactive Authentication flow logic: which stage may come next, when a flow is complete, and the
// 401 body that tells the client where it stands. Pure: sessions are loaded and saved by the shell.
// Spec: https://spec.matrix.org/latest/client-server-api/#user-interactive-authentication-api

/** One flow: the stages a client completes, in order. */
export type UiaFlow = readonly string[];

/** The 401 body of a UIA endpoint: `{flows, params, session, completed}` (errcode/error are added on a failed stage). */
export interface UiaChallengeBody {
	flows: { stages: string[] }[];
	params: Record<string, Record<string, unknown>>;
	session: string;
	completed: string[];
}

export function challengeBody(
	flows: readonly UiaFlow[],
	session: string,
	completed: readonly string[],
	params: Record<string, Record<string, unknown>> = {},
): UiaChallengeBody {
	return { flows: flows.map((stages) => ({ stages: [...stages] })), params, session, completed: [...completed] };
}

/**
 * Whether `stage` may be attempted after `completed`. "The client is free to choose which flow it follows,
 * however the flow's stages must be completed in order": some flow must start with exactly the completed
 * stages and continue with `stage`.
 */
export function isNextStage(flows: readonly UiaFlow[], completed: readonly string[], stage: string): boolean {
	return flows.some((flow) => startsWith(flow, completed) && flow[completed.length] === stage);
}

/** "When all stages in a flow are complete, authentication is complete and the API call succeeds." */
export function isComplete(flows: readonly UiaFlow[], completed: readonly string[]): boolean {
	return flows.some((flow) => flow.length === completed.length && startsWith(flow, completed));
}

function startsWith(flow: UiaFlow, prefix: readonly string[]): boolean {
	return prefix.length <= flow.length && prefix.every((stage, i) => flow[i] === stage);
}
