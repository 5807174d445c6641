// The names of every setting that `npm start` passes from the environment to the worker.
// test/unit/settings.test.ts checks that this list matches the settings loadConfig knows.
export const SETTINGS = [
	"SERVER_NAME",
	"ENVIRONMENT",
	"PUBLIC_BASEURL",
	"ENABLE_REGISTRATION",
	"ENCRYPT_NEW_ROOMS",
	"DEFAULT_ROOM_VERSION",
	"MAX_UPLOAD_BYTES",
	"FEDERATION_INSECURE_LOOPBACK",
	"FEDERATION_CA_FILE",
	"WELL_KNOWN_SERVER",
	"SIGNING_KEY",
	"OLD_VERIFY_KEYS",
	"KEY_VALIDITY_MS",
	"LOG_LEVEL",
	"LAWFUL_TRUST_STORE",
	"LAWFUL_PROVIDER_KEY",
	"SESSION_IP_RETENTION_DAYS",
	"LAWFUL_DELIVERY_TTL_DAYS",
	"RATE_LIMIT_PERCENT",
];
