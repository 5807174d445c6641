// The operator check, run after user auth: the caller's account must carry `accounts.is_operator`
// and not be deactivated. Operators drive the lawful-access console (LAWFUL_ACCESS.md).

import type { MiddlewareHandler } from "hono";
import { MatrixError } from "../../protocol/errors";
import { isOperator } from "../d1/accounts";
import type { AppEnv } from "./context";

export const requireOperator: MiddlewareHandler<AppEnv> = async (c, next) => {
	if (!(await isOperator(c.env.DB, c.get("user")))) throw new MatrixError("M_FORBIDDEN", "Operator access required");
	await next();
};

