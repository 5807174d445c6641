// data/schema/records.schema.json: the JSON Schema (draft-07) of every record set, generated from the valibot
// schemas in records-schema.ts, so the schema a recipient checks against is the one production enforced.
// Design: /work/shared/LAWFUL_ACCESS.md#package ("data/schema/records.schema.json").

import { toJsonSchema } from "@valibot/to-json-schema";
import { RECORD_SET_NAMES, RECORD_SETS } from "./records-schema";

export const RECORDS_SCHEMA_ID = "urn:sealbridge:lawful:schema:records:1";

/** One definition per record set (named like its file), and a root that accepts any one of them. */
export function recordsJsonSchema(): Record<string, unknown> {
	const definitions: Record<string, unknown> = {};
	for (const name of RECORD_SET_NAMES) {
		const { $schema: _drop, ...schema } = toJsonSchema(RECORD_SETS[name], { errorMode: "throw" });
		definitions[name] = schema;
	}
	return {
		$schema: "http://json-schema.org/draft-07/schema#",
		$id: RECORDS_SCHEMA_ID,
		title: "sealbridge lawful-access evidence records",
		description: "Each line of data/records/<set>.ndjson is one record of definitions/<set>; record_type names its URN.",
		definitions,
		oneOf: RECORD_SET_NAMES.map((name) => ({ $ref: `#/definitions/${name}` })),
	};
}
