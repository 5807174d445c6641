// Every /_lawful route, one array per part of the lawful-access design (LAWFUL_ACCESS.md "API").
// Each part adds its array here with one import and one spread line; src/worker/endpoints.ts mounts the list.

import type { Endpoint } from "../worker/http/endpoint";
import { orderEndpoints } from "./order/routes";
import { auditKeyEndpoints } from "./audit/endpoints";
import { operatorEndpoints } from "./lifecycle/operator-routes";
import { authorityEndpoints } from "./lifecycle/authority-routes";
import { consoleEndpoints } from "./console/routes";

export const lawfulEndpoints: readonly Endpoint[] = [
	...orderEndpoints,
	...auditKeyEndpoints,
	...operatorEndpoints,
	...authorityEndpoints,
	...consoleEndpoints,
];
