import { and, asc, eq, gt, lte } from 'drizzle-orm';
import { z } from 'zod';
import type { Database } from '../../../../db/client';
import { chatDevices, chatToDevice } from '../../../../db/schema/index';
import type { ToDeviceMessage } from '../../chat/protocol';
import type { Actor } from '../access/actor';
import { requireOwnDevice } from './devices';
import { ChatRefusal } from './errors';

/**
 * The to-device queue: encrypted room keys and approval secrets waiting for one device. Only
 * the device the socket claimed reads or deletes its queue; a message is deleted once that
 * device acknowledges it, so the server holds each payload only until delivery.
 */

export const inboxPageSize = 200;

type ToDeviceRow = typeof chatToDevice.$inferSelect;

export function toDeviceMessage(row: ToDeviceRow, senderUserId: string): ToDeviceMessage {
	return {
		id: row.id,
		kind: row.kind,
		senderDeviceId: row.senderDeviceId,
		senderUserId,
		conversationId: row.conversationId,
		sessionId: row.sessionId,
		payload: row.payload,
		createdAt: row.createdAt.toISOString()
	};
}

const inboxSchema = z.object({ afterId: z.number().int().min(0).default(0) }).strict();
const ackSchema = z.object({ upToId: z.number().int().min(0) }).strict();

function parse<T>(schema: z.ZodType<T>, input: unknown, message: string): T {
	const parsed = schema.safeParse(input ?? {});
	if (!parsed.success) throw new ChatRefusal('invalid', message);
	return parsed.data;
}

/** Pending messages of my claimed device after `afterId`, oldest first, one page. */
export async function readInbox(db: Database, actor: Actor, claimedDeviceId: string | null, input: unknown): Promise<ToDeviceMessage[]> {
	const { afterId } = parse(inboxSchema, input, 'Send afterId: the id of the last message this device has.');
	// Unsigned devices read too: the approval's secret share is how they become signed.
	const device = await requireOwnDevice(db, actor, claimedDeviceId, { signed: false });
	const rows = await db
		.select({ message: chatToDevice, senderUserId: chatDevices.userId })
		.from(chatToDevice)
		.innerJoin(chatDevices, eq(chatDevices.id, chatToDevice.senderDeviceId))
		.where(and(eq(chatToDevice.recipientDeviceId, device.id), gt(chatToDevice.id, afterId)))
		.orderBy(asc(chatToDevice.id))
		.limit(inboxPageSize);
	return rows.map((r) => toDeviceMessage(r.message, r.senderUserId));
}

/** Deletes my claimed device's messages up to this id (it stored them itself). */
export async function acknowledgeInbox(db: Database, actor: Actor, claimedDeviceId: string | null, input: unknown): Promise<number> {
	const { upToId } = parse(ackSchema, input, 'Send upToId: the id of the last message this device stored.');
	const device = await requireOwnDevice(db, actor, claimedDeviceId, { signed: false });
	const deleted = await db
		.delete(chatToDevice)
		.where(and(eq(chatToDevice.recipientDeviceId, device.id), lte(chatToDevice.id, upToId)))
		.returning({ id: chatToDevice.id });
	return deleted.length;
}
