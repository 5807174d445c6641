// The E2EE parts of one UserDO, built from its storage: the class file delegates its RPC methods here.
// Spec: https://spec.matrix.org/latest/client-server-api/#end-to-end-encryption

import { CrossSigning } from "./cross-signing";
import type { E2eeDeps } from "./deps";
import { DeviceKeys } from "./device-keys";
import { DeviceLists } from "./device-lists";
import { KeyBackup } from "./key-backup";
import { KeyQuery } from "./key-query";
import { ToDevice } from "./to-device";

export class E2ee {
	readonly keys: DeviceKeys;
	readonly query: KeyQuery;
	readonly toDevice: ToDevice;
	readonly deviceLists: DeviceLists;
	readonly crossSigning: CrossSigning;
	readonly backup: KeyBackup;

	constructor(deps: E2eeDeps) {
		this.keys = new DeviceKeys(deps);
		this.query = new KeyQuery(deps);
		this.toDevice = new ToDevice(deps);
		this.deviceLists = new DeviceLists(deps);
		this.crossSigning = new CrossSigning(deps);
		this.backup = new KeyBackup(deps);
	}
}

export type { CrossSigningUpload, SignatureItem, SignaturesResult } from "./cross-signing";
export type { StoredSignature } from "./cross-signing-store";
export type { ClaimedKeys, KeysUpload, KeysUploadResult } from "./device-keys";
export type { DeviceListChange } from "./device-list-store";
export type { BackupKeys, BackupVersionInfo, KeyScope, RoomKeysUpdate, WrongVersion } from "./key-backup";
export type { UserKeys } from "./key-query";
export type { DeviceListSection } from "./sync-sections";
export type { ToDeviceDelivery } from "./to-device";
export type { JsonObject } from "../../../protocol/events/pdu";
