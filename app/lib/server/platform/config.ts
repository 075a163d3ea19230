import path from 'node:path';
import { z } from 'zod';

/**
 * Every environment variable the product reads, with its default. The README's configuration
 * table is written from this list; keep them together.
 */
const environmentSchema = z.object({
	PORT: z.coerce.number().int().min(0).max(65535).default(3000),
	HOST: z.string().default('0.0.0.0'),
	/** Public origin, e.g. https://clinic.example.org; used for origin checks and links. */
	ORIGIN: z.string().url().optional(),
	DATA_DIR: z.string().default('./data'),
	DATABASE_URL: z
		.string()
		.regex(/^postgres(ql)?:\/\//, 'DATABASE_URL must start with postgres:// or postgresql://')
		.optional(),
	/** 32 bytes, base64: the key that encrypts uploaded documents at rest. */
	DOCUMENT_ENCRYPTION_KEY: z.string().optional(),
	LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
	/** Largest accepted document upload, in megabytes. */
	MAX_UPLOAD_MB: z.coerce.number().positive().max(1024).default(25),
	/** Largest single change to a collaborative document, in megabytes. */
	COLLAB_MAX_UPDATE_MB: z.coerce.number().positive().max(64).default(1),
	/** Largest a collaborative document may grow, in megabytes. */
	COLLAB_MAX_DOCUMENT_MB: z.coerce.number().positive().max(1024).default(20),
	/** Quiet time after the last change to a treatment plan before the patient is told it changed, in seconds. */
	PLAN_NOTICE_DELAY_SECONDS: z.coerce.number().min(1).max(3600).default(120),
	/** Largest secure-message attachment (plaintext, before encryption in the browser), in megabytes. */
	CHAT_MAX_ATTACHMENT_MB: z.coerce.number().positive().max(4096).default(100),
	/** How often expired messages (the clinic's retention period) and unsent uploads are deleted, in minutes. */
	CHAT_RETENTION_SWEEP_MINUTES: z.coerce.number().min(1).max(7 * 24 * 60).default(60),
	/** Sliding session lifetime, in hours. */
	SESSION_TTL_HOURS: z.coerce.number().positive().max(24 * 30).default(12),
	/** Outgoing mail server, e.g. smtp://user:pass@mail.example.org:587; unset: email waits in the outbox. */
	SMTP_URL: z
		.string()
		.regex(/^smtps?:\/\//, 'SMTP_URL must start with smtp:// or smtps://')
		.optional(),
	/** The From of every email the clinic sends. */
	MAIL_FROM: z.string().default('ClinicSync <no-reply@clinicsync.local>'),
	/** SMS gateway speaking Twilio's Messages API, e.g. https://api.twilio.com; unset: SMS waits in the outbox. */
	SMS_GATEWAY_URL: z.string().url('SMS_GATEWAY_URL must be a URL, e.g. https://api.twilio.com').optional(),
	/** The gateway account (Twilio's Account SID); the user name of basic auth and part of the request path. */
	SMS_ACCOUNT_SID: z.string().optional(),
	/** The gateway's secret (Twilio's Auth Token); the password of basic auth. */
	SMS_AUTH_TOKEN: z.string().optional(),
	/** The number (E.164) or sender id SMS come from. */
	SMS_FROM: z.string().optional(),
	/** How often due appointment reminders are queued and unanswered ones escalated, in seconds. */
	REMINDER_SWEEP_SECONDS: z.coerce.number().min(1).max(3600).default(60),
	/** Secret that signs the confirm/cancel/reschedule links in reminders (at least 32 characters); unset: generated into DATA_DIR. */
	REMINDER_LINK_SECRET: z.string().min(32, 'REMINDER_LINK_SECRET must be at least 32 characters').optional(),
	/** LiveKit server (wss://…); with the key and secret, consults use LiveKit instead of peer-to-peer WebRTC. */
	LIVEKIT_URL: z.string().url('LIVEKIT_URL must be a URL, e.g. wss://livekit.example.org').optional(),
	LIVEKIT_API_KEY: z.string().optional(),
	LIVEKIT_API_SECRET: z.string().optional(),
	/**
	 * ICE servers for peer-to-peer consults, as JSON: [{"urls":"stun:stun.example.org:3478"},
	 * {"urls":"turn:turn.example.org:3478","username":"u","credential":"p"}]. Unset: none (enough on one network).
	 */
	ICE_SERVERS: z.string().optional(),
	/** 1: serve /dev/mailbox (every outbox email with its text) even outside `npm run dev`. */
	DEV_MAILBOX: z.enum(['0', '1'], { error: 'DEV_MAILBOX must be 0 or 1' }).optional(),
	NODE_ENV: z.string().optional()
});

export type AppConfig = ReturnType<typeof readConfig>;

export function readConfig(env: Record<string, string | undefined> = process.env) {
	// An empty variable (FOO=) means "not set", as in most shells' habits.
	const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
	const parsed = environmentSchema.safeParse(present);
	if (!parsed.success) {
		const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
		throw new Error(`Invalid configuration: ${problems}`);
	}
	const e = parsed.data;
	const smsVariables = { SMS_GATEWAY_URL: e.SMS_GATEWAY_URL, SMS_ACCOUNT_SID: e.SMS_ACCOUNT_SID, SMS_AUTH_TOKEN: e.SMS_AUTH_TOKEN, SMS_FROM: e.SMS_FROM };
	const missingSms = Object.entries(smsVariables).filter(([, value]) => !value).map(([name]) => name);
	if (missingSms.length > 0 && missingSms.length < 4) throw new Error(`Invalid configuration: SMS needs ${missingSms.join(', ')} as well (set all four SMS_ variables, or none).`);
	const livekitVariables = { LIVEKIT_URL: e.LIVEKIT_URL, LIVEKIT_API_KEY: e.LIVEKIT_API_KEY, LIVEKIT_API_SECRET: e.LIVEKIT_API_SECRET };
	const missingLivekit = Object.entries(livekitVariables).filter(([, value]) => !value).map(([name]) => name);
	if (missingLivekit.length > 0 && missingLivekit.length < 3) throw new Error(`Invalid configuration: LiveKit needs ${missingLivekit.join(', ')} as well (set all three LIVEKIT_ variables, or none).`);
	return {
		port: e.PORT,
		host: e.HOST,
		origin: e.ORIGIN,
		dataDir: path.resolve(e.DATA_DIR),
		databaseUrl: e.DATABASE_URL,
		documentEncryptionKey: e.DOCUMENT_ENCRYPTION_KEY,
		logLevel: e.LOG_LEVEL,
		maxUploadBytes: Math.round(e.MAX_UPLOAD_MB * 1024 * 1024),
		sessionTtlMs: e.SESSION_TTL_HOURS * 3600_000,
		planNoticeDelayMs: e.PLAN_NOTICE_DELAY_SECONDS * 1000,
		collabLimits: {
			maxUpdateBytes: Math.round(e.COLLAB_MAX_UPDATE_MB * 1024 * 1024),
			maxDocumentBytes: Math.round(e.COLLAB_MAX_DOCUMENT_MB * 1024 * 1024)
		},
		chat: {
			maxAttachmentBytes: Math.round(e.CHAT_MAX_ATTACHMENT_MB * 1024 * 1024),
			retentionSweepMs: Math.round(e.CHAT_RETENTION_SWEEP_MINUTES * 60_000)
		},
		smtpUrl: e.SMTP_URL,
		mailFrom: e.MAIL_FROM,
		/** Set only when the gateway URL, account, token and sender are all configured. */
		sms:
			e.SMS_GATEWAY_URL && e.SMS_ACCOUNT_SID && e.SMS_AUTH_TOKEN && e.SMS_FROM
				? { gatewayUrl: e.SMS_GATEWAY_URL, accountSid: e.SMS_ACCOUNT_SID, authToken: e.SMS_AUTH_TOKEN, from: e.SMS_FROM }
				: undefined,
		reminders: {
			sweepIntervalMs: Math.round(e.REMINDER_SWEEP_SECONDS * 1000),
			linkSecret: e.REMINDER_LINK_SECRET
		},
		/** Set only when all three LiveKit variables are; otherwise consults use peer-to-peer WebRTC. */
		livekit: e.LIVEKIT_URL && e.LIVEKIT_API_KEY && e.LIVEKIT_API_SECRET ? { url: e.LIVEKIT_URL, apiKey: e.LIVEKIT_API_KEY, apiSecret: e.LIVEKIT_API_SECRET } : undefined,
		iceServers: parseIceServers(e.ICE_SERVERS),
		/** Explicitly asked for, and never when NODE_ENV=production. `npm run dev` also opens it. */
		devMailbox: e.DEV_MAILBOX === '1' && e.NODE_ENV !== 'production',
		production: e.NODE_ENV === 'production'
	};
}

export interface IceServerConfig {
	urls: string | string[];
	username?: string;
	credential?: string;
}

const iceServersSchema = z.array(
	z.strictObject({
		urls: z.union([z.string().regex(/^(stun|stuns|turn|turns):/, 'must start with stun:, stuns:, turn: or turns:'), z.array(z.string().regex(/^(stun|stuns|turn|turns):/)).min(1)]),
		username: z.string().optional(),
		credential: z.string().optional()
	})
);

function parseIceServers(value: string | undefined): IceServerConfig[] {
	if (!value) return [];
	let json: unknown;
	try {
		json = JSON.parse(value);
	} catch {
		throw new Error('Invalid configuration: ICE_SERVERS must be JSON, e.g. [{"urls":"stun:stun.example.org:3478"}].');
	}
	const parsed = iceServersSchema.safeParse(json);
	if (!parsed.success) throw new Error(`Invalid configuration: ICE_SERVERS: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
	return parsed.data;
}
