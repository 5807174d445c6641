// The UserDO's E2EE RPC surface as the E2EE routes (client/keys.ts, to-device.ts, cross-signing.ts,
// room-keys.ts) and the device-list fan-out call it. UserDO implements it (user-do.ts delegates to e2ee/).
// Spec: https://spec.matrix.org/latest/client-server-api/#end-to-end-encryption

import type { RpcResult } from "../../../protocol/errors";
import type { JsonObject } from "../../../protocol/events/pdu";
import type { CrossSigningUpload, SignatureItem, SignaturesResult } from "./cross-signing";
import type { StoredSignature } from "./cross-signing-store";
import type { KeysUpload, KeysUploadResult } from "./device-keys";
import type { DeviceListChange } from "./device-list-store";
import type { BackupKeys, KeyScope, RoomKeysUpdate, WrongVersion } from "./key-backup";
import type { DeviceListSection } from "./sync-sections";
import type { ToDeviceDelivery } from "./to-device";

export interface E2eeUserApi {
	uploadKeys(userId: string, deviceId: string, upload: KeysUpload): Promise<RpcResult<KeysUploadResult>>;
	/** JSON text of ClaimedKeys: RPC result types cannot be recursive JSON (TS2589). */
	claimKeysJson(userId: string, requests: Record<string, string>): Promise<string>;
	/** JSON text of UserKeys. */
	queryKeysJson(userId: string, deviceIds: string[], requester: string): Promise<string>;
	signaturesOver(targets: Record<string, string>): Promise<Record<string, StoredSignature[]>>;
	receiveToDevice(userId: string, delivery: ToDeviceDelivery): Promise<number>;
	toDeviceTxnDone(userId: string, deviceId: string, txnId: string): Promise<boolean>;
	recordToDeviceTxn(userId: string, deviceId: string, txnId: string): Promise<void>;
	noteDeviceListChange(userId: string, subject: string, change: DeviceListChange): Promise<void>;
	deviceListChanges(userId: string, from: number, to: number): Promise<DeviceListSection>;
	crossSigningUploadNeedsAuth(userId: string, upload: CrossSigningUpload): Promise<boolean>;
	uploadCrossSigningKeys(userId: string, upload: CrossSigningUpload): Promise<RpcResult<null>>;
	uploadKeySignatures(userId: string, items: SignatureItem[], othersMasterKeys: Record<string, JsonObject>): Promise<RpcResult<SignaturesResult>>;
	createKeyBackup(userId: string, algorithm: string, authData: JsonObject): Promise<RpcResult<string>>;
	/** JSON text of BackupVersionInfo. */
	getKeyBackupJson(userId: string, version?: string): Promise<RpcResult<string>>;
	updateKeyBackup(userId: string, version: string, algorithm: string, authData: JsonObject): Promise<RpcResult<null>>;
	deleteKeyBackup(userId: string, version: string): Promise<RpcResult<null>>;
	putBackupKeys(userId: string, version: string, keys: BackupKeys): Promise<RpcResult<RoomKeysUpdate> | WrongVersion>;
	/** JSON text of BackupKeys. */
	getBackupKeysJson(userId: string, version: string, scope: KeyScope): Promise<RpcResult<string>>;
	deleteBackupKeys(userId: string, version: string, scope: KeyScope): Promise<RpcResult<RoomKeysUpdate>>;
}

/** The user's UserDO as the E2EE code sees it. */
export function e2eeUser(env: Pick<Env, "USER">, userId: string): E2eeUserApi {
	return env.USER.getByName(userId);
}
