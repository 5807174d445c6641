// The errcode of the MatrixError `fn` throws, or undefined when it returns; anything else is rethrown.
import { MatrixError } from "../../../src/protocol/errors";

export function errcodeOf(fn: () => unknown): string | undefined {
	try {
		fn();
	} catch (e) {
		if (e instanceof MatrixError) return e.errcode;
		throw e;
	}
	return undefined;
}
