import { createHmac, timingSafeEqual } from 'node:crypto';
import { and, eq, isNull } from 'drizzle-orm';
import type { Database } from '../../../../db/client';
import { appointmentActionLinks, appointmentLinkActions, type AppointmentActionLink, type AppointmentLinkAction } from '../../../../db/schema/scheduling';
import type { ActionLinkUrls } from './reminder-templates';

/**
 * Signed, single-use links in reminders: confirm, cancel, reschedule.
 *
 * A token is `<row id>.<action>.<expiry, unix seconds>.<HMAC-SHA256 over the first three,
 * base64url>`. The signature proves the clinic made the link (nobody can forge one for another
 * appointment or action, or stretch its expiry); the row in appointment_action_links makes it
 * single use (`used_at`, set by the first use in the same transaction as the change it makes).
 * Verification compares in constant time and checks the signature before touching the database.
 */

export type LinkProblem = 'malformed' | 'expired' | 'used' | 'unknown';

export class LinkRefusal extends Error {
	constructor(
		readonly problem: LinkProblem,
		message: string
	) {
		super(message);
		this.name = 'LinkRefusal';
	}
	/** 410 for a link that was good once, 400 for one that never was. */
	get status(): number {
		return this.problem === 'expired' || this.problem === 'used' ? 410 : 400;
	}
}

export const linkMessages: Record<LinkProblem, string> = {
	malformed: 'This link is not valid. It may have been cut short or changed; open it again from your reminder, or call the clinic.',
	unknown: 'This link is not valid. It may have been cut short or changed; open it again from your reminder, or call the clinic.',
	expired: 'This link has expired: it worked until the appointment started. Call the clinic or use the patient portal.',
	used: 'This link was already used. Nothing else was changed. If you need something else, call the clinic or use the patient portal.'
};

function mac(key: Uint8Array, payload: string): Buffer {
	return createHmac('sha256', key).update(payload).digest();
}

export function signLinkToken(key: Uint8Array, link: Pick<AppointmentActionLink, 'id' | 'action' | 'expiresAt'>): string {
	const payload = `${link.id}.${link.action}.${Math.floor(link.expiresAt.getTime() / 1000)}`;
	return `${payload}.${mac(key, payload).toString('base64url')}`;
}

export interface VerifiedToken {
	linkId: string;
	action: AppointmentLinkAction;
	expiresAt: Date;
}

const tokenPattern = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.([a-z]+)\.(\d{1,12})\.([A-Za-z0-9_-]{43})$/;

/** Checks form, signature (constant time) and expiry; touches no database. Throws LinkRefusal. */
export function verifyLinkToken(key: Uint8Array, token: string, now = new Date()): VerifiedToken {
	const match = tokenPattern.exec(token);
	if (!match) throw new LinkRefusal('malformed', linkMessages.malformed);
	const [, linkId, action, expires, signature] = match;
	// Compared as text: base64url has several spellings of the same bytes, and only ours is accepted.
	const expected = Buffer.from(mac(key, `${linkId}.${action}.${expires}`).toString('base64url'));
	const given = Buffer.from(signature!);
	if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new LinkRefusal('malformed', linkMessages.malformed);
	if (!(appointmentLinkActions as readonly string[]).includes(action!)) throw new LinkRefusal('malformed', linkMessages.malformed);
	const expiresAt = new Date(Number(expires) * 1000);
	if (expiresAt.getTime() <= now.getTime()) throw new LinkRefusal('expired', linkMessages.expired);
	return { linkId: linkId!, action: action as AppointmentLinkAction, expiresAt };
}

/**
 * The link's row, checked against the token: same action and expiry, not used yet.
 * `forUpdate` locks it (inside the transaction that spends it).
 */
export async function loadLink(db: Database, verified: VerifiedToken, options: { forUpdate?: boolean; allowUsed?: boolean } = {}): Promise<AppointmentActionLink> {
	const query = db.select().from(appointmentActionLinks).where(eq(appointmentActionLinks.id, verified.linkId));
	const [row] = options.forUpdate ? await query.for('update') : await query;
	if (!row || row.action !== verified.action || Math.floor(row.expiresAt.getTime() / 1000) !== Math.floor(verified.expiresAt.getTime() / 1000)) {
		throw new LinkRefusal('unknown', linkMessages.unknown);
	}
	if (row.usedAt && !options.allowUsed) throw new LinkRefusal('used', linkMessages.used);
	return row;
}

/** Spends the link; false when another request spent it first. Call inside the change's transaction. */
export async function markLinkUsed(tx: Database, linkId: string, now = new Date()): Promise<boolean> {
	const rows = await tx
		.update(appointmentActionLinks)
		.set({ usedAt: now })
		.where(and(eq(appointmentActionLinks.id, linkId), isNull(appointmentActionLinks.usedAt)))
		.returning({ id: appointmentActionLinks.id });
	return rows.length === 1;
}

/** Creates the three links of one reminder (they expire when the visit starts) and returns their URLs. */
export async function createActionLinks(
	tx: Database,
	input: { appointmentId: string; reminderId: string | null; expiresAt: Date; key: Uint8Array; origin: string }
): Promise<ActionLinkUrls> {
	// Whole seconds: the token carries the expiry in seconds.
	const expiresAt = new Date(Math.floor(input.expiresAt.getTime() / 1000) * 1000);
	const rows = await tx
		.insert(appointmentActionLinks)
		.values(appointmentLinkActions.map((action) => ({ appointmentId: input.appointmentId, reminderId: input.reminderId, action, expiresAt })))
		.returning();
	const url = (action: AppointmentLinkAction) => {
		const row = rows.find((r) => r.action === action)!;
		return `${input.origin.replace(/\/+$/, '')}/appointment-links/${signLinkToken(input.key, row)}`;
	};
	return { confirm: url('confirm'), cancel: url('cancel'), reschedule: url('reschedule') };
}
