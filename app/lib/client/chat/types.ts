/**
 * The browser chat client's public surface (issue 5). The UI (app/routes/**\/messages,
 * app/lib/components/chat) codes against these interfaces only; chat-client.svelte.ts
 * implements them with $state fields so Svelte components re-render on change.
 */
import type {
	AttachmentReference,
	ChatContact,
	ChatNotificationSettings,
	ConversationKind,
	ConversationSummary,
	DeviceKeys,
	MemberAccess,
	MessageContent
} from '../../chat/protocol';

export type { AttachmentReference, ChatContact, ChatNotificationSettings, ConversationKind, ConversationSummary, DeviceKeys, MessageContent };

export type ChatStatus = 'loading' | 'needs-setup' | 'needs-unlock' | 'awaiting-approval' | 'ready' | 'error';

/** One message as the UI shows it: decrypted on this device, or with an error sentence instead. */
export interface DecryptedMessage {
	messageId: string;
	seq: number;
	conversationId: string;
	senderUserId: string | null;
	senderDisplayName: string;
	sentAt: string;
	/** Null when retracted, not yet decryptable (key still on its way) or failed (see `error`). */
	content: MessageContent | null;
	/** A sentence for the person ("Waiting for this message's key…", "This message could not be verified."); null when fine. */
	error: string | null;
	retracted: boolean;
	mine: boolean;
	/** True while the key has not arrived yet: the message is decrypted as soon as it does. */
	pending?: boolean;
	/** The sender's identity key changed since first seen and has not been re-verified. */
	identityChanged?: boolean;
	/** Local echo of a message still being sent (no seq from the server yet: seq is 0). */
	localId?: string;
	/** A failed local send: the refusal sentence. */
	sendError?: string | null;
}

export type ReceiptStateName = 'sending' | 'sent' | 'delivered' | 'read';

/** "read by k of n": n = other members, k = those whose read marker passed the message. */
export interface ReceiptState {
	state: ReceiptStateName;
	readBy: number;
	of: number;
	/** Other members whose delivered marker passed the message. */
	deliveredTo?: number;
}

export interface SendOptions {
	replyTo?: string;
	file?: File;
}

/** Progress of the send in flight: encryption and upload of an attachment, then the message. */
export interface SendingProgress {
	phase: 'encrypting' | 'uploading' | 'sending';
	/** 0..1 */
	fraction: number;
	fileName?: string;
}

export interface ConversationView {
	readonly conversationId: string;
	/** The summary (title, members, access); null until the list has loaded. */
	readonly summary: ConversationSummary | null;
	/** Oldest → newest. */
	readonly messages: DecryptedMessage[];
	/** There are older messages on the server (for infinite scroll). */
	readonly hasMore: boolean;
	readonly loading: boolean;
	/** Null when nothing is being sent. */
	readonly sending: SendingProgress | null;
	readonly error: string | null;
	/** Members of this conversation whose identity key changed since first seen (not re-verified). */
	readonly identityWarnings: { userId: string; displayName: string }[];
	readonly canSend: boolean;
	/**
	 * Other members who cannot read a message sent now: they have not set up secure messaging or
	 * have no approved device. Filled when the view opens; refreshKeyCoverage() checks again.
	 */
	readonly membersWithoutKeys: { userId: string; displayName: string }[];
	refreshKeyCoverage(): Promise<void>;
	/** Fetches the next page of older messages; resolves when they are in `messages`. */
	loadOlder(): Promise<void>;
	/** Encrypts and sends; resolves with the stored message, or throws an Error with a sentence. */
	send(text: string, options?: SendOptions): Promise<DecryptedMessage>;
	retract(messageId: string): Promise<void>;
	/** Moves my read marker to the newest message (call while the view is visible). */
	markRead(): Promise<void>;
	receiptFor(message: DecryptedMessage): ReceiptState;
	/** Stops live updates for this view (the client keeps the cache). */
	close(): void;
}

export interface SearchQuery {
	text?: string;
	senderUserId?: string;
	patientId?: string;
	/** ISO date or datetime, inclusive. */
	from?: string;
	/** ISO date or datetime, inclusive (a bare date means the whole day). */
	to?: string;
	conversationId?: string;
	limit?: number;
}

export interface SearchHit {
	messageId: string;
	conversationId: string;
	senderUserId: string | null;
	patientId: string | null;
	sentAt: string;
	/** The message text (decrypted, local only) for a snippet. */
	body: string;
	attachmentName: string | null;
	score: number;
}

export interface SafetyNumberInfo {
	userId: string;
	displayName: string;
	/** 12 groups of 5 digits; null when the person has no identity key yet. */
	groups: string[] | null;
	verified: boolean;
	identityChanged: boolean;
}

export interface CreateConversationInput {
	kind: ConversationKind;
	title?: string;
	memberUserIds?: string[];
	patientId?: string;
}

export interface DownloadProgress {
	/** 0..1 */
	fraction: number;
	phase: 'downloading' | 'decrypting';
}

export interface ChatClient {
	readonly status: ChatStatus;
	readonly error: string | null;
	readonly userId: string | null;
	readonly deviceId: string | null;
	readonly conversations: ConversationSummary[];
	readonly totalUnread: number;
	/** Other devices of mine asking for approval (shown on a signed device). */
	readonly pendingApprovals: DeviceKeys[];
	readonly settings: ChatNotificationSettings | null;
	/** Users whose identity key changed since first seen (TOFU warning until re-verified). */
	readonly identityChanged: string[];
	/** Loads keys for this user on this tab; idempotent for the same user. */
	start(userId: string): Promise<void>;
	/**
	 * First device: identity, device and passphrase-protected backup. Throws an Error with a sentence.
	 * `reset` replaces an existing identity (forgotten passphrase): earlier messages become unreadable
	 * and others see a changed key; without it, setUp refuses when keys already exist elsewhere.
	 */
	setUp(passphrase: string, options?: { reset?: boolean }): Promise<void>;
	/** New device from the backup. Throws WrongPassphrase ("That passphrase does not unlock your key backup."). */
	restore(passphrase: string): Promise<void>;
	/** Registers this device unsigned and waits for another of my devices to approve it. */
	requestApproval(): Promise<void>;
	/** From a signed device: sign the new device and box my secrets to it. */
	approveDevice(deviceId: string): Promise<void>;
	/** Safety code of a device (for comparing on both screens during approval). */
	deviceSafetyCode(device: DeviceKeys): Promise<string[]>;
	openConversation(conversationId: string): ConversationView;
	createConversation(input: CreateConversationInput): Promise<ConversationSummary>;
	addMembers(conversationId: string, userIds: string[], access?: MemberAccess): Promise<ConversationSummary>;
	removeMember(conversationId: string, userId: string): Promise<ConversationSummary>;
	contacts(query: string): Promise<ChatContact[]>;
	mute(conversationId: string, muted: boolean): Promise<void>;
	search(query: SearchQuery): Promise<SearchHit[]>;
	safetyNumberWith(userId: string): Promise<SafetyNumberInfo>;
	verifyUser(userId: string): Promise<void>;
	saveSettings(settings: ChatNotificationSettings): Promise<ChatNotificationSettings>;
	downloadAttachment(ref: AttachmentReference, onProgress?: (progress: DownloadProgress) => void): Promise<Blob>;
}
