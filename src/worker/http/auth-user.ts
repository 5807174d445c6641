// Placeholder until the UserDO token work lands: refuses every request.
import type { MiddlewareHandler } from "hono";
import { MatrixError } from "../../protocol/errors";
import type { AppEnv } from "./context";

export const authenticateUser: MiddlewareHandler<AppEnv> = async () => {
	throw new MatrixError("M_MISSING_TOKEN", "Missing access token");
};
