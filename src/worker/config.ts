// Placeholder shape; the worker-shell engineer replaces this file with loadConfig(env).
export interface Config {
	serverName: string;
	environment: "development" | "test" | "production";
}
