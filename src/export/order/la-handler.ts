// Wraps a /_lawful handler so a thrown LaError becomes its `{"code":"LA_…"}` response. The app's error handler
// (src/worker/http/error-handler.ts) renders only MatrixError and turns anything else into a Matrix 500,
// which must never appear under /_lawful (docs/lawful-access.md "Errors").

import type { Handler } from "hono";
import type { AppEnv } from "../../worker/http/context";
import { LaError, laErrorResponse } from "./la-errors";

export function laHandler(handler: Handler<AppEnv>): Handler<AppEnv> {
	return async (c, next) => {
		try {
			return await handler(c, next);
		} catch (e) {
			if (e instanceof LaError) return laErrorResponse(e);
			throw e;
		}
	};
}
