/**
 * The wire shapes of end-to-end encrypted messaging, shared by the socket.io server
 * (server/chat-*.ts), the browser (app/lib/client/chat) and the benchmark. Every binary value
 * is libsodium's URL-safe unpadded base64 (sodium.base64_variants.URLSAFE_NO_PADDING).
 * The server sees only what is here: ids, public keys, ciphertext, signatures, sizes, times.
 */
import type { ConversationKind, MemberAccess, ToDeviceKind, ChatNotificationSettings } from '../../../db/schema/messaging';

export type { ConversationKind, MemberAccess, ToDeviceKind, ChatNotificationSettings };

/** Limits the server enforces and the browser checks first (the server is the authority). */
export const chatLimits = {
	/** base64 characters of one message's ciphertext (text, reply and attachment keys fit easily). */
	maxCiphertextChars: 64 * 1024,
	maxGroupMembers: 50,
	maxTitleLength: 80,
	historyPageSize: 50,
	/** Attachment plaintext is cut into chunks of this size before crypto_secretstream. */
	attachmentChunkBytes: 64 * 1024
} as const;

/** A device's public keys, as registered and as others fetch them. */
export interface DeviceKeys {
	deviceId: string;
	userId: string;
	/** Ed25519 public key: verifies the device's message signatures. */
	signingKey: string;
	/** X25519 public key: room keys are boxed to it. */
	boxKey: string;
	/** The user's identity key's signature over the device (crypto/device-signature); null = awaiting approval. */
	signature: string | null;
	label: string;
}

/** What a device sends to register; the server assigns the id first (`keys:device-id`) so the signature can cover it. */
export interface DeviceRegistration {
	deviceId: string;
	signingKey: string;
	boxKey: string;
	/** Identity signature; omitted for a device asking another device for approval. */
	signature?: string;
	label: string;
}

/** The key backup as stored: the server cannot open `sealedSecrets`. */
export interface KeyBackup {
	backupPublicKey: string;
	salt: string;
	opsLimit: number;
	memLimit: number;
	sealedSecrets: string;
}

/** A member's identity and signed, unrevoked devices. */
export interface UserKeys {
	userId: string;
	displayName: string;
	identityKey: string | null;
	devices: DeviceKeys[];
	/** Whether the requesting user verified this identity key (after comparing safety numbers). */
	verifiedByMe: boolean;
}

/** An encrypted payload from one device to another (room key or secrets for an approved device). */
export interface ToDeviceMessage {
	id: number;
	kind: ToDeviceKind;
	senderDeviceId: string;
	senderUserId: string;
	conversationId: string | null;
	sessionId: string | null;
	payload: string;
	createdAt: string;
}

/** One room-key share, boxed to one recipient device. */
export interface RoomKeyShare {
	deviceId: string;
	payload: string;
}

/**
 * A message as the sending device signs it. The signature covers every field but itself
 * (crypto/envelope.ts: envelopeSignedBytes), so the server and every recipient can check it, and
 * a message cannot be moved to another conversation, session or index.
 */
export interface MessageEnvelope {
	conversationId: string;
	senderDeviceId: string;
	sessionId: string;
	/** The message's index in its session: strictly increasing, never reused. */
	index: number;
	/** nonce ‖ XChaCha20-Poly1305 ciphertext of the JSON MessageContent. */
	ciphertext: string;
	signature: string;
}

/** The plaintext inside a message's ciphertext: only the browsers of members ever see it. */
export interface MessageContent {
	/** Plain text; may be empty when there is an attachment. */
	body: string;
	/** The id of the message this one answers. */
	replyTo?: string;
	attachment?: AttachmentReference;
	/** Epoch milliseconds on the sender's clock, for display only (the server's time orders). */
	composedAt: number;
}

/** What a recipient needs to fetch and decrypt an attachment. */
export interface AttachmentReference {
	attachmentId: string;
	name: string;
	/** The file's declared type: image/png, application/pdf, application/dicom, … */
	contentType: string;
	/** Plaintext bytes. */
	size: number;
	/** crypto_secretstream key and header. */
	key: string;
	header: string;
	/** BLAKE2b-256 of the plaintext, checked after decryption. */
	hash: string;
}

/** A stored message as members receive it (live or from history). */
export interface StoredMessage {
	messageId: string;
	seq: number;
	senderUserId: string | null;
	senderDisplayName: string;
	envelope: MessageEnvelope;
	/** Null once retracted ("deleted for everyone"); the envelope's ciphertext is then ''. */
	retractedAt: string | null;
	sentAt: string;
}

export interface ConversationMemberSummary {
	userId: string;
	displayName: string;
	role: string;
	access: MemberAccess;
	deliveredSeq: number;
	readSeq: number;
}

export interface ConversationSummary {
	conversationId: string;
	kind: ConversationKind;
	/** For people: the group's name, the other person's name, or "Care team · <patient>". */
	title: string;
	patientId: string | null;
	patientName: string | null;
	members: ConversationMemberSummary[];
	myAccess: MemberAccess;
	keyEpoch: number;
	lastSeq: number;
	/** Messages after my read marker, not sent by me. */
	unread: number;
	muted: boolean;
	lastMessageAt: string | null;
}

/** A person one may start a conversation with. */
export interface ChatContact {
	userId: string;
	displayName: string;
	role: string;
}

/** Error codes in refusals, so a client can react (rotate its session, re-fetch devices). */
export type ChatErrorCode =
	| 'invalid'
	| 'not_member'
	| 'read_only'
	| 'forbidden'
	| 'not_found'
	| 'bad_signature'
	| 'replay'
	| 'stale_session'
	| 'unknown_session'
	| 'too_large'
	| 'no_keys'
	| 'rate_limited';

/** A chat acknowledgement: the refusal carries a sentence for the person and a code for the program. */
export type ChatAck<T extends object = object> = ({ ok: true } & T) | { ok: false; error: string; code: ChatErrorCode };

/** What the metadata audit shows of a message: never content. */
export interface MessageMetadata {
	messageId: string;
	conversationId: string;
	conversationKind: ConversationKind;
	senderUserId: string | null;
	senderName: string;
	recipientCount: number;
	byteSize: number;
	sentAt: string;
	retracted: boolean;
}

/** The compliance export of one conversation: ciphertext plus room keys sealed to the clinic's compliance key. */
export interface ComplianceExport {
	conversationId: string;
	kind: ConversationKind;
	exportedAt: string;
	complianceKeyId: string;
	members: { userId: string; displayName: string }[];
	messages: (StoredMessage & { senderSigningKey: string | null })[];
	/** sessionId → base64 sealed box of the room key (crypto_box_seal to the compliance public key). */
	roomKeys: Record<string, string>;
}
