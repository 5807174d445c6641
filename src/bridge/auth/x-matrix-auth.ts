// Placeholder until X-Matrix verification lands: refuses every request.
import type { MiddlewareHandler } from "hono";
import { MatrixError } from "../../protocol/errors";
import type { AppEnv } from "../../worker/http/context";

export const authenticateServer: MiddlewareHandler<AppEnv> = async () => {
	throw new MatrixError("M_UNAUTHORIZED", "Missing X-Matrix authorization");
};
