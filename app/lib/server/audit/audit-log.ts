import type { Database } from '../../../../db/client';
import { auditEvents } from '../../../../db/schema/index';
import type { Actor } from '../access/actor';

/** The audit vocabulary. Add an action here before using it anywhere. */
export const auditActions = [
	'patient.search',
	'patient.view',
	'patient.create',
	'patient.update',
	'document.upload',
	'document.view',
	'clinic.setup',
	'clinic.demo_load',
	'session.sign_in',
	'session.sign_in_failed',
	'session.sign_out',
	'session.locked',
	'session.revoke',
	'mfa.enrol',
	'mfa.confirm',
	'mfa.disable',
	'mfa.verify_failed',
	'mfa.recovery_code_used',
	'mfa.recovery_codes_regenerated',
	'mfa.email_code_sent',
	'password.change',
	'password.reset_requested',
	'password.reset',
	'user.invite',
	'user.invite_accepted',
	'patient.break_glass',
	'patient.break_glass_end',
	'share.create',
	'share.revoke',
	'share.list',
	'access_log.view',
	'chart.presence_join',
	'audit.view',
	'audit.export',
	'session.idle_timeout',
	'user.list',
	'user.deactivate',
	'user.reactivate',
	'user.role_change',
	'user.unlock',
	'care_team.change',
	'clinic.settings_change',
	'collab.open',
	'collab.change',
	'collab.history_view',
	'collab.restore',
	'plan.create',
	'plan.view',
	'plan.dose_record',
	'plan.reading_record',
	// End-to-end encrypted messaging: metadata only (ids, sizes, counts), never content.
	'message.send',
	'message.retract',
	'message.history',
	'conversation.create',
	'conversation.member_add',
	'conversation.member_remove',
	'chat.device_register',
	'chat.device_approve',
	'chat.device_revoke',
	'chat.key_setup',
	'chat.key_reset',
	'chat.backup_fetch',
	'chat.compliance_key_set',
	'chat.compliance_export',
	'chat.attachment_upload',
	'chat.attachment_download',
	'chat.retention_purge',
	'chat.metadata_view',
	// Scheduling: appointments are patient data; calendars audit one event per read.
	'appointment.book',
	'appointment.view',
	'appointment.list',
	'appointment.reschedule',
	'appointment.cancel',
	'appointment.confirm',
	'appointment.check_in',
	'appointment.complete',
	'appointment.no_show',
	'appointment.flag',
	'appointment.link_use',
	'schedule.availability_change',
	'schedule.type_change',
	'schedule.settings_change',
	'schedule.capacity_change',
	'schedule.capacity_view',
	'schedule.request_create',
	'schedule.request_update',
	'schedule.request_reorder',
	'schedule.feed_issue',
	'schedule.feed_read',
	'schedule.analytics_view',
	'schedule.model_train',
	'schedule.recommend',
	'reminder.queue',
	'reminder.escalate',
	'reminder.preferences_change',
	'consult.create',
	'consult.view',
	'consult.list',
	'consult.wait',
	'consult.admit',
	'consult.decline',
	'consult.remove',
	'consult.message_waiting',
	'consult.join',
	'consult.leave',
	'consult.end',
	'consult.media_token',
	'consult.webhook',
	'consult.document_share',
	'consult.document_view',
	'consult.settings_change',
	'recording.consent',
	'recording.consent_withdraw',
	'recording.start',
	'recording.stop',
	'recording.upload',
	'recording.play',
	'visit.history_view',
	'visit.addendum',
	'visit.export'
] as const;
export type AuditAction = (typeof auditActions)[number];

export interface AuditEventInput {
	action: AuditAction;
	outcome: 'success' | 'denied' | 'failure';
	patientId?: string | null;
	resourceType?: string;
	resourceId?: string;
	/** Why: a denial's cause, the parts of a record shown, a stated reason. Never PHI. */
	reason?: string;
}

/** Actor fields are optional: failed sign-ins have no actor yet. */
export type AuditSubject = Partial<Pick<Actor, 'userId' | 'role' | 'sourceAddress' | 'requestId'>>;

export async function recordAuditEvent(db: Database, subject: AuditSubject | null, event: AuditEventInput): Promise<void> {
	await db.insert(auditEvents).values({
		actorUserId: subject?.userId ?? null,
		actorRole: subject?.role ?? null,
		action: event.action,
		patientId: event.patientId ?? null,
		resourceType: event.resourceType ?? null,
		resourceId: event.resourceId ?? null,
		outcome: event.outcome,
		sourceAddress: auditAddress(subject?.sourceAddress),
		reason: event.reason ?? null,
		requestId: subject?.requestId ?? null
	});
}

/** inet rejects "::ffff:127.0.0.1%lo" style or empty strings; keep what Postgres accepts. */
export function auditAddress(address: string | null | undefined): string | null {
	if (!address) return null;
	const bare = address.replace(/%.*$/, '');
	return /^[0-9a-fA-F:.]+$/.test(bare) ? bare : null;
}
