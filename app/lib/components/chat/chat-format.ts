/**
 * Words and numbers of the messaging screens: conversation kinds, days and times in the clinic's
 * time zone, receipts and the recovery passphrase's strength. Pure functions, so they can be
 * unit-tested and used by the server-rendered shell and the browser alike.
 */
import type { ConversationKind, ConversationSummary } from '$lib/chat/protocol';

const locale = 'en-US';

export const conversationKindLabels: Record<ConversationKind, string> = {
	direct: 'Direct message',
	group: 'Group',
	care_team: 'Care team',
	patient_care: 'Patient and care team',
	patient_appointments: 'Appointments'
};

export const roleLabels: Record<string, string> = {
	clinic_admin: 'Clinic administrator',
	physician: 'Physician',
	nurse: 'Nurse',
	front_desk: 'Front desk',
	billing: 'Billing',
	patient: 'Patient',
	proxy: 'Family member or caregiver'
};

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(kind: 'day' | 'time' | 'dayKey' | 'short', timeZone: string): Intl.DateTimeFormat {
	const key = `${kind} ${timeZone}`;
	let found = formatters.get(key);
	if (!found) {
		const options: Intl.DateTimeFormatOptions =
			kind === 'day'
				? { weekday: 'long', year: 'numeric', month: 'long', day: 'numeric', timeZone }
				: kind === 'time'
					? { hour: 'numeric', minute: '2-digit', timeZone }
					: kind === 'dayKey'
						? { year: 'numeric', month: '2-digit', day: '2-digit', timeZone }
						: { month: 'short', day: 'numeric', timeZone };
		found = new Intl.DateTimeFormat(kind === 'dayKey' ? 'en-CA' : locale, options);
		formatters.set(key, found);
	}
	return found;
}

/** "2026-11-24": the calendar day of an instant in the time zone, for day separators. */
export function dayKey(instant: string | number | Date, timeZone: string): string {
	return formatter('dayKey', timeZone).format(new Date(instant));
}

/** "Today", "Yesterday" or "Monday, November 23, 2026". */
export function dayLabel(instant: string | number | Date, timeZone: string, now: Date = new Date()): string {
	const key = dayKey(instant, timeZone);
	if (key === dayKey(now, timeZone)) return 'Today';
	if (key === dayKey(now.getTime() - 86_400_000, timeZone)) return 'Yesterday';
	return formatter('day', timeZone).format(new Date(instant));
}

export function timeLabel(instant: string | number | Date, timeZone: string): string {
	return formatter('time', timeZone).format(new Date(instant));
}

/** The time for today's messages, the date for older ones (conversation list). */
export function shortWhen(instant: string | number | Date, timeZone: string, now: Date = new Date()): string {
	return dayKey(instant, timeZone) === dayKey(now, timeZone) ? timeLabel(instant, timeZone) : formatter('short', timeZone).format(new Date(instant));
}

/** Splits messages into runs of one day each, oldest first, keeping their order. */
export function groupByDay<T extends { sentAt: string }>(items: readonly T[], timeZone: string): { key: string; label: string; items: T[] }[] {
	const days: { key: string; label: string; items: T[] }[] = [];
	const now = new Date();
	for (const item of items) {
		const key = dayKey(item.sentAt, timeZone);
		const last = days.at(-1);
		if (last && last.key === key) last.items.push(item);
		else days.push({ key, label: dayLabel(item.sentAt, timeZone, now), items: [item] });
	}
	return days;
}

/** The words of a receipt under one of my messages. */
export function receiptText(receipt: { state: 'sending' | 'sent' | 'delivered' | 'read'; readBy: number; of: number; deliveredTo?: number }): string {
	if (receipt.state === 'sending') return 'Sending…';
	if (receipt.of <= 1) return receipt.state === 'read' ? 'Read' : receipt.state === 'delivered' ? 'Delivered' : 'Sent';
	if (receipt.readBy > 0) return `Read by ${receipt.readBy} of ${receipt.of}`;
	if (receipt.state === 'delivered' || (receipt.deliveredTo ?? 0) > 0) return `Delivered to ${receipt.deliveredTo ?? receipt.of} of ${receipt.of}`;
	return 'Sent';
}

/** One other member's receipt for a message with this sequence number. */
export function memberReceipt(member: { deliveredSeq: number; readSeq: number }, seq: number): 'Read' | 'Delivered' | 'Sent' {
	if (seq > 0 && member.readSeq >= seq) return 'Read';
	if (seq > 0 && member.deliveredSeq >= seq) return 'Delivered';
	return 'Sent';
}

/** What a conversation is called in lists and headings. */
export function conversationTitle(summary: Pick<ConversationSummary, 'title' | 'kind' | 'patientName'>): string {
	if (summary.title) return summary.title;
	if (summary.kind === 'care_team' && summary.patientName) return `Care team · ${summary.patientName}`;
	if (summary.kind === 'patient_care' && summary.patientName) return `${summary.patientName} · care team`;
	if (summary.kind === 'patient_appointments' && summary.patientName) return `${summary.patientName} · appointments`;
	return conversationKindLabels[summary.kind];
}

export const minPassphraseLength = 12;

export interface PassphraseStrength {
	/** 0 too short or too common, 1 weak, 2 fair, 3 strong. */
	score: 0 | 1 | 2 | 3;
	label: 'Too short' | 'Weak' | 'Fair' | 'Strong';
	advice: string;
}

const commonPieces = ['password', 'passphrase', 'clinic', 'qwerty', '123456', 'letmein', 'welcome', 'admin', 'riverside', 'secret'];

/**
 * A rough, explainable estimate: length first (a few random words beat clever symbols), then
 * variety, minus well-known pieces and long runs of one character. The server never sees the
 * passphrase, so this guidance is the only check it gets.
 */
export function passphraseStrength(passphrase: string): PassphraseStrength {
	const length = [...passphrase].length;
	if (length < minPassphraseLength) {
		return { score: 0, label: 'Too short', advice: `Use at least ${minPassphraseLength} characters — four or more unrelated words work well.` };
	}
	const lower = passphrase.toLowerCase();
	let points = length >= 24 ? 3 : length >= 16 ? 2 : 1;
	const classes = [/[a-z]/, /[A-Z]/, /\d/, /[^A-Za-z0-9\s]/].filter((re) => re.test(passphrase)).length;
	const words = passphrase.trim().split(/[\s\-_.]+/).filter((w) => w.length >= 3).length;
	if (classes >= 3 || words >= 4) points += 1;
	if (commonPieces.some((piece) => lower.includes(piece))) points -= 1;
	if (/(.)\1{3,}/.test(passphrase) || new Set(lower).size < 6) points -= 2;
	const score = Math.max(1, Math.min(3, points)) as 1 | 2 | 3;
	if (score === 3) return { score, label: 'Strong', advice: 'Good. Write it down and keep it somewhere safe: nobody, not even the clinic, can recover it.' };
	if (score === 2) return { score, label: 'Fair', advice: 'Longer is stronger: add another unrelated word.' };
	return { score, label: 'Weak', advice: 'Avoid common words and repeated characters; use four or more unrelated words.' };
}
