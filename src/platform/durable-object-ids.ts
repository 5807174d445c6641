// Durable Object stubs by name, with the IDs kept per isolate. `getByName` derives the ID from the name (a
// keyed hash) on every call, and the hot paths ask for the same few names over and over: every authenticated
// request its user's UserDO, every send its room's RoomDO, every poke a member's UserDO. A stub belongs to
// the request that made it and is made fresh each time; an ID is a plain value that any request may use.

/** Names remembered per namespace; past this the memory starts over (a hash each is all a miss costs). */
const MAX_IDS = 10_000;

const idsByNamespace = new WeakMap<object, Map<string, DurableObjectId>>();

/** `ns.getByName(name)`, without deriving an ID this isolate has derived before. */
export function stubByName<T extends Rpc.DurableObjectBranded | undefined>(ns: DurableObjectNamespace<T>, name: string): DurableObjectStub<T> {
	let ids = idsByNamespace.get(ns);
	if (ids === undefined) {
		ids = new Map();
		idsByNamespace.set(ns, ids);
	}
	let id = ids.get(name);
	if (id === undefined) {
		if (ids.size >= MAX_IDS) ids.clear();
		id = ns.idFromName(name);
		ids.set(name, id);
	}
	return ns.get(id);
}
