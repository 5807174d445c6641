// The operator check, run after user auth: the caller's account must carry `accounts.is_operator`
// and not be deactivated. Operators drive the lawful-access console (LAWFUL_ACCESS.md).

import type { MiddlewareHandler } from "hono";
import { MatrixError } from "../../protocol/errors";
import type { AppEnv } from "./context";

/** True when the account exists, is an operator and is not deactivated. */
export async function isOperator(db: D1Database, userId: string): Promise<boolean> {
	const row = await db
		.prepare("SELECT is_operator, deactivated FROM accounts WHERE user_id = ?1")
		.bind(userId)
		.first<{ is_operator: number | null; deactivated: number | null }>();
	return row !== null && row.is_operator === 1 && row.deactivated !== 1;
}

export const requireOperator: MiddlewareHandler<AppEnv> = async (c, next) => {
	if (!(await isOperator(c.env.DB, c.get("user")))) throw new MatrixError("M_FORBIDDEN", "Operator access required");
	await next();
};

/** Until the lawful-access work verifies signed orders, nothing passes as an authority. */
export const refuseAuthority: MiddlewareHandler<AppEnv> = async () => {
	throw new MatrixError("M_UNAUTHORIZED", "Authority authentication is not available");
};
