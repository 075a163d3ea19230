import type { RoomKey } from '$lib/chat/crypto/room-key';

export type { RoomKey };

/**
 * A room key this device holds, with the signing key of the device that sent it: that device
 * was checked (a signed device of a member) when the key arrived, so its messages are verified
 * with this key even after the device is revoked. Keys restored from the backup carry the
 * signing key the backup recorded (see session-manager.ts on what that trusts).
 */
export interface RoomKeyRecord extends RoomKey {
	senderSigningKey: string | null;
	source: 'own' | 'shared' | 'backup';
}

/** What is sealed to the key backup for each room key (the backup is opened only with the passphrase). */
export interface BackedUpRoomKey extends RoomKey {
	senderSigningKey: string | null;
}
