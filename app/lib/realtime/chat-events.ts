/**
 * socket.io events of end-to-end encrypted messaging (issue 5), merged into the maps of
 * events.ts. Keys and devices: server/chat-keys-handlers.ts; conversations, messages and
 * receipts: server/chat-handlers.ts. Every request carries an acknowledgement (ChatAck).
 */
import type {
	ChatAck,
	ChatContact,
	ChatNotificationSettings,
	ConversationKind,
	ConversationSummary,
	DeviceKeys,
	DeviceRegistration,
	KeyBackup,
	MemberAccess,
	MessageEnvelope,
	RoomKeyShare,
	StoredMessage,
	ToDeviceMessage,
	UserKeys
} from '../chat/protocol';

type Reply<T extends object = object> = (reply: ChatAck<T>) => void;

export interface ChatServerToClientEvents {
	/** A new message in one of my conversations (sent to every member's user room). */
	'chat:message': (payload: StoredMessage) => void;
	/** A member's receipt markers moved. */
	'chat:receipt': (payload: { conversationId: string; userId: string; deliveredSeq: number; readSeq: number }) => void;
	/** A message was deleted for everyone. */
	'chat:retracted': (payload: { conversationId: string; messageId: string }) => void;
	/** A conversation I am in was created or changed (members, epoch, title, mute). */
	'chat:conversation': (payload: ConversationSummary) => void;
	/** I was removed from a conversation: forget it. */
	'chat:removed': (payload: { conversationId: string }) => void;
	/** A content-free alert for a new message, only when my settings allow it. */
	'chat:notify': (payload: { conversationId: string; kind: ConversationKind }) => void;
	/** An encrypted payload for this socket's device (room key, or secrets after approval). */
	'keys:to-device': (payload: ToDeviceMessage) => void;
	/** Another of my devices asks for approval (sent to my signed devices). */
	'keys:device-requested': (payload: { device: DeviceKeys }) => void;
	/** Someone's devices or identity changed: refetch their keys before sharing a room key. */
	'keys:devices-changed': (payload: { userId: string }) => void;
}

export interface ChatClientToServerEvents {
	// ── keys and devices ──────────────────────────────────────────────────────────────
	/** My identity, backup and devices. */
	'keys:status': (payload: Record<string, never>, ack: Reply<{ identityKey: string | null; hasBackup: boolean; devices: DeviceKeys[] }>) => void;
	/** A fresh device id to sign over (a device is registered with the id its signature covers). */
	'keys:device-id': (payload: Record<string, never>, ack: Reply<{ deviceId: string }>) => void;
	/** First device: identity key, its signed device and the key backup, at once. `reset` replaces an existing identity (old devices are revoked; others see a changed key). */
	'keys:setup': (payload: { identityKey: string; device: DeviceRegistration; backup: KeyBackup; reset?: boolean }, ack: Reply<{ device: DeviceKeys }>) => void;
	/** The backup, to restore on a new device with the passphrase. */
	'keys:backup': (payload: Record<string, never>, ack: Reply<{ backup: KeyBackup }>) => void;
	/** A device signed by the identity key (after a restore) or unsigned (asking another device for approval). */
	'keys:register-device': (payload: { device: DeviceRegistration }, ack: Reply<{ device: DeviceKeys }>) => void;
	/** This socket acts for this device of mine: joins its room; to-device messages then arrive live. */
	'keys:claim-device': (payload: { deviceId: string }, ack: Reply) => void;
	/** An existing device approves a new one: the identity signature, and my secrets boxed to it. */
	'keys:approve-device': (payload: { deviceId: string; signature: string; secretShare: string }, ack: Reply) => void;
	'keys:revoke-device': (payload: { deviceId: string }, ack: Reply) => void;
	/** Keys of every member of a conversation (signed, unrevoked devices only). */
	'keys:conversation-keys': (payload: { conversationId: string }, ack: Reply<{ users: UserKeys[] }>) => void;
	/** Keys of one person I share a conversation with (for safety numbers). */
	'keys:user-keys': (payload: { userId: string }, ack: Reply<{ user: UserKeys }>) => void;
	/** Marks another person's identity key as verified by me (after comparing safety numbers). */
	'keys:verify-user': (payload: { userId: string; identityKey: string }, ack: Reply) => void;
	/**
	 * Starts my sending session in a conversation and shares its key: one payload per member
	 * device, one sealed to the compliance key when the clinic has one, one sealed to my backup.
	 */
	'keys:share-room-key': (
		payload: { conversationId: string; sessionId: string; shares: RoomKeyShare[]; complianceShare?: string; backupShare?: string },
		ack: Reply<{ keyEpoch: number }>
	) => void;
	/** Shares an existing session's key with devices that appeared since. */
	'keys:share-more': (payload: { conversationId: string; sessionId: string; shares: RoomKeyShare[] }, ack: Reply) => void;
	/** Pending to-device messages of my claimed device after `afterId`. */
	'keys:inbox': (payload: { afterId: number }, ack: Reply<{ messages: ToDeviceMessage[] }>) => void;
	/** Deletes my claimed device's to-device messages up to this id. */
	'keys:inbox-ack': (payload: { upToId: number }, ack: Reply) => void;
	/** A room key received from someone else, sealed to my backup public key. */
	'keys:backup-room-key': (payload: { conversationId: string; sessionId: string; sealed: string }, ack: Reply) => void;
	/** Every room key in my backup (for a restored device). */
	'keys:backup-room-keys': (payload: Record<string, never>, ack: Reply<{ keys: { conversationId: string; sessionId: string; sealed: string }[] }>) => void;
	/** The clinic's compliance public key, if it has one. */
	'keys:compliance-key': (payload: Record<string, never>, ack: Reply<{ key: { id: string; publicKey: string } | null }>) => void;

	// ── conversations, messages, receipts ─────────────────────────────────────────────
	'chat:conversations': (payload: Record<string, never>, ack: Reply<{ conversations: ConversationSummary[] }>) => void;
	/** People I may start a conversation with. */
	'chat:contacts': (payload: { query: string }, ack: Reply<{ contacts: ChatContact[] }>) => void;
	/** direct/group: memberUserIds; patient threads: patientId (get-or-create). */
	'chat:create': (
		payload: { kind: ConversationKind; title?: string; memberUserIds?: string[]; patientId?: string },
		ack: Reply<{ conversation: ConversationSummary }>
	) => void;
	'chat:add-members': (payload: { conversationId: string; userIds: string[]; access?: MemberAccess }, ack: Reply<{ conversation: ConversationSummary }>) => void;
	'chat:remove-member': (payload: { conversationId: string; userId: string }, ack: Reply<{ conversation: ConversationSummary }>) => void;
	'chat:send': (payload: { envelope: MessageEnvelope; attachmentIds?: string[] }, ack: Reply<{ message: StoredMessage }>) => void;
	/** Older messages, newest first, before `beforeSeq` (or the newest). */
	'chat:history': (payload: { conversationId: string; beforeSeq?: number; limit?: number }, ack: Reply<{ messages: StoredMessage[]; hasMore: boolean }>) => void;
	/** Moves my markers forward (never back). */
	'chat:receipt': (payload: { conversationId: string; deliveredSeq?: number; readSeq?: number }, ack: Reply) => void;
	/** Deletes my own message for everyone. */
	'chat:retract': (payload: { messageId: string }, ack: Reply) => void;
	'chat:mute': (payload: { conversationId: string; muted: boolean }, ack: Reply) => void;
	'chat:settings': (payload: Record<string, never>, ack: Reply<{ settings: ChatNotificationSettings }>) => void;
	'chat:save-settings': (payload: { settings: ChatNotificationSettings }, ack: Reply<{ settings: ChatNotificationSettings }>) => void;
}

export const chatClientEventNames = [
	'keys:status',
	'keys:device-id',
	'keys:setup',
	'keys:backup',
	'keys:register-device',
	'keys:claim-device',
	'keys:approve-device',
	'keys:revoke-device',
	'keys:conversation-keys',
	'keys:user-keys',
	'keys:verify-user',
	'keys:share-room-key',
	'keys:share-more',
	'keys:inbox',
	'keys:inbox-ack',
	'keys:backup-room-key',
	'keys:backup-room-keys',
	'keys:compliance-key',
	'chat:conversations',
	'chat:contacts',
	'chat:create',
	'chat:add-members',
	'chat:remove-member',
	'chat:send',
	'chat:history',
	'chat:receipt',
	'chat:retract',
	'chat:mute',
	'chat:settings',
	'chat:save-settings'
] as const satisfies readonly (keyof ChatClientToServerEvents)[];
