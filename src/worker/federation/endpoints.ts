// What the worker itself serves to remote servers: federation endpoints built on client-API cores (the
// directory, space summaries, media), kept here because the bridge may import worker code only as types.
// src/worker/endpoints.ts mounts this list in one line, X-Matrix-authenticated like the bridge's routes.
// Spec: https://spec.matrix.org/latest/server-server-api/

import type { Endpoint } from "../http/endpoint";
import { federationHierarchyEndpoints } from "./hierarchy";
import { federationMediaEndpoints } from "./media";
import { federationPublicRoomsEndpoints } from "./public-rooms";

export const localFederationEndpoints: Endpoint[] = [...federationPublicRoomsEndpoints, ...federationHierarchyEndpoints, ...federationMediaEndpoints];
