// Puts the validated Config on every request (`c.get("config")`), loaded once per isolate.
// An invalid configuration fails each request with a logged ConfigError (500 to the caller, details in the log).

import type { MiddlewareHandler } from "hono";
import { getConfig } from "../../platform/config";
import { configureLogging } from "../../platform/log";
import type { AppEnv } from "./context";

export const configMiddleware: MiddlewareHandler<AppEnv> = async (c, next) => {
	const config = getConfig(c.env);
	configureLogging(config.logLevel);
	c.set("config", config);
	await next();
};
