// The audit/keys part's /_lawful routes, as one array for src/export/routes.ts: provider keys (JWKS), the
// audit log (export, verify, newest checkpoint) and the transparency reports.
// Design: LAWFUL_ACCESS.md "API".

import type { Endpoint } from "../../worker/http/endpoint";
import { providerKeyEndpoints } from "../keys/routes";
import { transparencyEndpoints } from "../transparency/routes";
import { auditEndpoints } from "./routes";

export const auditKeyEndpoints: readonly Endpoint[] = [...providerKeyEndpoints, ...auditEndpoints, ...transparencyEndpoints];
